// What the dashboard may show of a trigger. Values that a TriggerAuthentication or the target's env supply never
// reach this module (the dashboard only sees the ScaledObject's spec and the engine's numbers), but the spec's own
// metadata can still hold secrets: a URL with userinfo (amqp://user:pass@host) or a key that is meant for
// credentials (password, connectionString, apiKey …). Userinfo is stripped from every string the dashboard sends,
// and credential-like keys are replaced by a marker.
import { scalerDescriptors } from '../scalers/index.ts';

export const REDACTED = '(redacted)';

/** Keys that hold credentials, whatever the scaler. */
const SECRET_KEY =
  /pass(word)?|pwd|secret|token|credential|connection(string)?|apikey|api_key|accesskey|sas|sasl|privatekey|cert|tls(key)?$|authorization|cookie/i;

/** `scheme://user:pass@host` → `scheme://host`; `user:pass@host` (no scheme) → `host`. */
export function stripUserinfo(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@?#]*@/gi, '$1').replace(/(^|[\s,;="'(])[^\s:/@,;="'()]+:[^\s/@,;="'()]+@(?=[a-z0-9[])/gi, '$1');
}

/** A trigger's metadata fit to show: credential-like keys and auth-only parameters redacted, userinfo stripped. */
export function safeMetadata(type: string, metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const d = scalerDescriptors.get(type);
  for (const [key, value] of Object.entries(metadata ?? {})) {
    const base = key.endsWith('FromEnv') ? key.slice(0, -'FromEnv'.length) : key;
    const field = d?.fields[base] ?? Object.values(d?.fields ?? {}).find((f) => f.name === base || f.aliases?.includes(base));
    const authOnly = field?.order !== undefined && !field.order.includes('triggerMetadata');
    // An xxxFromEnv value is an env var's name, not its value: safe to show.
    if (!key.endsWith('FromEnv') && (SECRET_KEY.test(base) || authOnly)) out[key] = REDACTED;
    else out[key] = stripUserinfo(String(value));
  }
  return out;
}

/** Every string inside a JSON-like value with userinfo stripped (explain reports, reasons, read errors). */
export function scrub<T>(value: T): T {
  if (typeof value === 'string') return stripUserinfo(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrub(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v);
    return out as T;
  }
  return value;
}
