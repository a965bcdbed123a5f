// Kubernetes Event recorder.
//
// Writes core/v1 Events (what `kubectl describe` lists under "Events:"; the API server also serves them as
// events.k8s.io/v1) with source/reportingComponent "keda-operator" by default, as KEDA's recorder reports
// (KEDA `cmd/operator/main.go`; reasons from `pkg/eventreason/eventreason.go`). Repeats are folded like client-go's EventCorrelator does:
// - an identical event (same object, type, reason, message) PATCHes `count` and `lastTimestamp` of the existing
//   Event instead of creating a new one (shown as "(x5 over 2m)");
// - after 10 events with the same object/type/reason but different messages within 10 minutes, further ones are
//   folded into one "(combined from similar events): <latest message>" Event, so a flapping decision does not spam;
// - a per-object token bucket (burst 25, one token per 5 minutes) drops the rest.
// Messages pass through redactSecrets() and are capped at 1 kB (the events.k8s.io note limit).
import { randomBytes } from 'node:crypto';
import { GVR, isNotFound, type KubeClient, type KubeObject } from './client.ts';
import { rfc3339Seconds } from '../api/values.ts';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorderOptions {
  /** source.component and reportingComponent. Default `keda-operator` (KEDA's, so existing filters keep working). */
  component?: string;
  /** reportingInstance / source.host, e.g. the pod name. */
  instance?: string;
  /** Namespace for Events about cluster-scoped objects (default `default`, as client-go). */
  clusterObjectNamespace?: string;
  onError?(err: Error): void;
  now?: () => number;
  /** Distinct messages per object/type/reason within `similarWindowMs` before folding (client-go: 10 in 10 min). */
  similarMaxMessages?: number;
  similarWindowMs?: number;
  /** Per-object rate limit (client-go: burst 25, refill one every 5 minutes). */
  burst?: number;
  refillIntervalMs?: number;
}

export interface RecordedEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: { apiVersion?: string; kind?: string; name: string; namespace?: string; uid?: string; resourceVersion?: string };
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  action?: string;
}

const SENSITIVE_KEY =
  /(password|passwd|secret|token|apikey|api[_-]?key|accesskey|access[_-]?key|credential|authorization|sas|signature|private[_-]?key|connection[_-]?string|conn[_-]?str)/i;

/**
 * Remove secret-looking material from free text: URL userinfo (`https://user:pass@host`), bearer/basic
 * credentials, `key=value` / `key: value` pairs whose key names a secret, and AWS access key ids.
 */
export function redactSecrets(message: string): string {
  return (
    message
      .replace(/([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:REDACTED@')
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 REDACTED')
      .replace(/([A-Za-z0-9_.-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/g, (whole, key: string, sep: string) =>
        SENSITIVE_KEY.test(key) ? `${key}${sep}REDACTED` : whole,
      )
      .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1REDACTED')
      // query strings of signed URLs
      .replace(/([?&](X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|sig|signature)=)[^&\s]+/gi, '$1REDACTED')
  );
}

const MAX_MESSAGE = 1024;

/** What a repeat needs of the Event we created: its name and count (not the whole answer, ~4 KiB each). */
interface CacheEntry {
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly component: string;
  private readonly instance: string;
  private readonly now: () => number;
  /** Identical-event cache: key → the Event we created (LRU by insertion order). */
  private readonly identical = new Map<string, CacheEntry>();
  /** Similar-event tracking: aggregate key → distinct messages and window start. */
  private readonly similar = new Map<string, { messages: Set<string>; since: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** One write chain per identical key, so repeats never race into two Events. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  /** Events dropped by the rate limit (export as a metric if wanted). */
  dropped = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: EventRecorderOptions = {},
  ) {
    this.component = opts.component ?? 'keda-operator';
    this.instance = opts.instance ?? process.env.POD_NAME ?? process.env.HOSTNAME ?? 'updraft';
    this.now = opts.now ?? Date.now;
  }

  /** Record an Event about `target`. Never throws and never blocks the caller; see flush(). */
  event(target: EventTarget, type: EventType, reason: string, message: string): void {
    const ns = target.metadata.namespace || this.opts.clusterObjectNamespace || 'default';
    const objKey = [target.apiVersion, target.kind, ns, target.metadata.name, target.metadata.uid].join('|');
    if (!this.takeToken(objKey)) {
      this.dropped++;
      return;
    }
    let text = redactSecrets(message);
    const aggKey = [objKey, type, reason].join('|');
    const now = this.now();
    let sim = this.similar.get(aggKey);
    if (!sim || now - sim.since > (this.opts.similarWindowMs ?? 600_000)) {
      sim = { messages: new Set(), since: now };
      this.similar.set(aggKey, sim);
    }
    // The first N distinct messages are recorded as they are; later new ones fold into the combined Event.
    if (!sim.messages.has(text) && sim.messages.size < (this.opts.similarMaxMessages ?? 10)) sim.messages.add(text);
    let key = `${aggKey}|${text}`;
    if (!sim.messages.has(text)) {
      text = `(combined from similar events): ${text}`;
      key = `${aggKey}|combined`;
    }
    if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE - 3)}...`;
    const run = (this.chains.get(key) ?? Promise.resolve()).then(() => this.write(key, ns, target, type, reason, text));
    const tracked: Promise<void> = run
      .catch((err: Error) => this.opts.onError?.(err))
      .finally(() => {
        this.pending.delete(tracked);
        if (this.chains.get(key) === tracked) this.chains.delete(key);
      });
    this.chains.set(key, tracked);
    this.pending.add(tracked);
  }

  /** Resolves when every Event recorded so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private takeToken(objKey: string): boolean {
    const burst = this.opts.burst ?? 25;
    const refill = this.opts.refillIntervalMs ?? 300_000;
    const now = this.now();
    const b = this.buckets.get(objKey) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + Math.floor((now - b.at) / refill));
    if (now - b.at >= refill) b.at = now;
    this.buckets.set(objKey, b);
    if (this.buckets.size > 4096) this.buckets.delete(this.buckets.keys().next().value as string);
    if (this.similar.size > 4096) this.similar.delete(this.similar.keys().next().value as string);
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private async write(key: string, ns: string, target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const ts = rfc3339Seconds(this.now());
    const cached = this.identical.get(key);
    if (cached) {
      try {
        const patched = await this.client.mergePatch<RecordedEvent & KubeObject>(GVR.events, ns, cached.name, {
          count: cached.count + 1,
          lastTimestamp: ts,
        });
        cached.count = patched.count;
        this.identical.delete(key);
        this.identical.set(key, cached); // refresh LRU position
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The API server expired it (event TTL, 1 h by default): start a new one.
      }
    }
    const body: RecordedEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      // client-go names Events <object>.<hex unix nanos>; random suffix avoids collisions between replicas.
      metadata: { name: `${target.metadata.name}.${(BigInt(this.now()) * 1_000_000n).toString(16)}${randomBytes(2).toString('hex')}`, namespace: ns },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.metadata.name,
        namespace: target.metadata.namespace || undefined,
        uid: target.metadata.uid,
        resourceVersion: target.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: this.component, host: this.instance },
      reportingComponent: this.component,
      reportingInstance: this.instance,
      action: reason,
    };
    const created = await this.client.create<RecordedEvent & KubeObject>(GVR.events, body as RecordedEvent & KubeObject);
    this.identical.set(key, { name: created.metadata.name, count: created.count });
    if (this.identical.size > 4096) this.identical.delete(this.identical.keys().next().value as string);
  }
}
