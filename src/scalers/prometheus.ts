// `prometheus`: scale on the value of one PromQL instant query (KEDA pkg/scalers/prometheus_scaler.go),
// with Amazon Managed Prometheus SigV4 signing built in (service `aps`) so no SigV4 proxy is needed.
import { defaultAwsCredentials, describeAwsIdentity, type AwsIdentity } from '../auth/aws-credentials.ts';
import { SigV4Signer } from '../auth/sigv4.ts';
import { httpUrlParam } from './common/address-policy.ts';
import { displayAddress, HttpGetter } from './common/http-get.ts';
import { AWS_IDENTITY_KEYS, triggerAwsIdentity } from './common/aws-scaler.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, duration, float, keyValues, resolveConfig, someOf, str, type ConfigInput } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput } from './scaler.ts';

export const TYPE = 'prometheus';

// ---- 1. the typed config (defaults next to the fields) ----

const AUTH_MODES = ['basic', 'bearer', 'tls', 'custom', 'oauth', 'apiKey'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

const fields = {
  /** Base URL; `/api/v1/query` is appended. */
  serverAddress: str(),
  /** Must return exactly one instant-vector element. */
  query: str(),
  /** HPA target (float). */
  threshold: float(),
  activationThreshold: float({ default: 0 }),
  /** Appended as `namespace=<ns>` (Thanos/Cortex tenancy). */
  namespace: str({ optional: true }),
  /** `k=v,k2=v2`, each appended to the query string. */
  queryParameters: keyValues({ optional: true }),
  /** `k=v,k2=v2` request headers. */
  customHeaders: keyValues({ optional: true }),
  /** true: an empty result, NaN or ±Inf reads as 0; false: it is an error. */
  ignoreNullValues: bool({ default: true }),
  /** Skip TLS certificate verification. */
  unsafeSsl: bool({ default: false }),
  /** Per-request timeout; default KEDA_HTTP_DEFAULT_TIMEOUT (3 s). */
  timeout: duration({ optional: true }),
  /** Region of an Amazon Managed Prometheus workspace; enables SigV4 signing with an AWS identity. */
  awsRegion: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  authModes: someOf(AUTH_MODES)({ aliases: ['authMode'], order: ['triggerMetadata', 'authParams'], optional: true }),
  bearerToken: str({ aliases: ['token'], order: ['authParams'], optional: true }),
  username: str({ order: ['authParams'], optional: true }),
  password: str({ order: ['authParams'], optional: true }),
  cert: str({ order: ['authParams'], optional: true }),
  key: str({ order: ['authParams'], optional: true }),
  ca: str({ order: ['authParams'], optional: true }),
  customAuthHeader: str({ order: ['authParams'], optional: true }),
  customAuthValue: str({ order: ['authParams'], optional: true }),
};

export interface PrometheusConfig {
  serverAddress: URL;
  query: string;
  threshold: number;
  activationThreshold: number;
  namespace?: string;
  queryParameters: Record<string, string>;
  /** customHeaders plus the auth header of basic/bearer/custom. Holds secrets: never log. */
  headers: Record<string, string>;
  ignoreNullValues: boolean;
  timeoutMs: number;
  tls: { rejectUnauthorized: boolean; cert?: string; key?: string; ca?: string };
  /** Set when requests are SigV4-signed for Amazon Managed Prometheus. */
  sigv4?: { region: string; identity: AwsIdentity };
}

// ---- 2. parse ----

const AMP_HOST = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/;

function hasAwsParams(input: ConfigInput): boolean {
  const a = input.authParams;
  return Boolean(a.awsRoleArn?.trim() || a.awsAccessKeyID?.trim() || a.awsAccessKeyId?.trim() || input.metadata.identityOwner?.trim() === 'operator');
}

export function parse(input: ParseInput, httpTimeoutMs = input.httpTimeoutMs ?? 3000): PrometheusConfig {
  const c = resolveConfig(TYPE, fields, input);
  // http(s) only, and no cloud metadata / link-local literal (address-policy.ts; checked again at connect).
  const serverAddress = httpUrlParam(TYPE, 'serverAddress', c.serverAddress, { example: 'http://prometheus.monitoring:9090' });
  const modes = new Set<AuthMode>(c.authModes ?? []);
  const provider = input.podIdentity?.provider;
  if (modes.size > 0 && provider && provider !== 'none') {
    throw new ConfigError(TYPE, 'authModes', 'pod identity cannot be enabled with other auth types; remove authModes or the podIdentity');
  }
  // KEDA authenticates to Azure Managed Prometheus (azure-workload) and Google Managed Prometheus (gcp) with the pod
  // identity; Updraft cannot yet, and says so rather than send the queries unauthenticated.
  if (provider === 'azure-workload' || provider === 'gcp') {
    throw new ConfigError(
      TYPE,
      'podIdentity',
      `podIdentity provider ${provider} is not supported by Updraft for prometheus yet; use authModes (bearer, basic, custom or tls) with a TriggerAuthentication instead`,
    );
  }
  if ([modes.has('basic'), modes.has('bearer'), modes.has('oauth')].filter(Boolean).length > 1) {
    throw new ConfigError(TYPE, 'authModes', `authModes may hold only one of basic, bearer, oauth, got '${[...modes].join(',')}'`);
  }
  for (const m of ['oauth', 'apiKey'] as const) {
    if (modes.has(m)) throw new ConfigError(TYPE, 'authModes', `authModes ${m} is not supported by Updraft yet; use bearer, basic, custom or tls`);
  }

  const headers: Record<string, string> = { ...(c.customHeaders ?? {}) };
  const tls: PrometheusConfig['tls'] = { rejectUnauthorized: !c.unsafeSsl };
  if (modes.has('basic')) {
    if (!c.username) throw new ConfigError(TYPE, 'username', 'authModes basic needs a TriggerAuthentication parameter "username"');
    headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
  }
  if (modes.has('bearer')) {
    if (!c.bearerToken) throw new ConfigError(TYPE, 'bearerToken', 'authModes bearer needs a TriggerAuthentication parameter "bearerToken"');
    headers.Authorization = `Bearer ${c.bearerToken}`;
  }
  // Name the parameters that are missing (KEDA: "cert=<present> and key=<empty> are required ...").
  const notSet = (names: Record<string, string | undefined>) => {
    const missing = Object.keys(names).filter((n) => !names[n]);
    return { first: missing[0], text: `${missing.map((n) => `"${n}"`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set` };
  };
  if (modes.has('custom')) {
    if (!c.customAuthHeader || !c.customAuthValue) {
      const m = notSet({ customAuthHeader: c.customAuthHeader, customAuthValue: c.customAuthValue });
      throw new ConfigError(TYPE, m.first, `authModes custom needs TriggerAuthentication parameters "customAuthHeader" and "customAuthValue"; ${m.text}`);
    }
    headers[c.customAuthHeader] = c.customAuthValue;
  }
  if (modes.has('tls')) {
    if (!c.cert || !c.key) {
      const m = notSet({ cert: c.cert, key: c.key });
      throw new ConfigError(TYPE, m.first, `authModes tls needs TriggerAuthentication parameters "cert" and "key" (PEM); ${m.text}`);
    }
    tls.cert = c.cert;
    tls.key = c.key;
  }
  // KEDA applies `ca` only when some authMode is set (`pkg/scalers/prometheus_scaler.go`; its docs say otherwise); so does Updraft.
  if (modes.size > 0 && c.ca) tls.ca = c.ca;

  // SigV4 for Amazon Managed Prometheus when no authModes and an AWS identity is configured (KEDA), or when the
  // server is an AMP workspace URL (Updraft: such a server refuses unsigned queries, so sign with the operator's
  // credentials unless another identity is given). The region comes from awsRegion or the AMP host name.
  let sigv4: PrometheusConfig['sigv4'];
  if (modes.size === 0) {
    const amp = AMP_HOST.exec(serverAddress.hostname);
    const awsPodIdentity = provider === 'aws' || provider === 'aws-eks';
    const wantsAws = awsPodIdentity || Boolean(amp) || (Boolean(c.awsRegion) && hasAwsParams(input));
    if (wantsAws) {
      const region = c.awsRegion ?? amp?.[1];
      if (!region) {
        throw new ConfigError(TYPE, 'awsRegion', 'awsRegion is needed to sign requests for Amazon Managed Prometheus; set metadata.awsRegion');
      }
      const identity: AwsIdentity =
        amp && !awsPodIdentity && !hasAwsParams(input) && !input.metadata.awsAccessKeyID?.trim() ? { kind: 'operator' } : triggerAwsIdentity(TYPE, input);
      sigv4 = { region, identity };
    }
  }

  return {
    serverAddress,
    query: c.query,
    threshold: c.threshold,
    activationThreshold: c.activationThreshold,
    ...(c.namespace ? { namespace: c.namespace } : {}),
    queryParameters: c.queryParameters ?? {},
    headers,
    ignoreNullValues: c.ignoreNullValues,
    timeoutMs: c.timeout ?? httpTimeoutMs,
    tls,
    ...(sigv4 ? { sigv4 } : {}),
  };
}

// ---- 3. the reader ----

/** RFC 3986 encoding (spaces as %20), so the URL sent is exactly the one SigV4 canonicalizes. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `GET <server>/api/v1/query?query=…&time=<RFC3339 UTC>[&namespace=…][&k=v…]` (KEDA ExecutePromQuery).
 * Difference from KEDA: `time` keeps its milliseconds. KEDA formats time.Now() with time.RFC3339 (whole seconds,
 * pkg/scalers/prometheus_scaler.go), so its query evaluates up to 1 s before the read and a step in the series
 * can take one more poll to be seen (measured at pollingInterval 1 s: bench/vs-keda). Prometheus, Thanos, Cortex,
 * Mimir and Amazon Managed Prometheus parse RFC 3339 with fractional seconds.
 */
export function queryURL(config: PrometheusConfig, now: Date): URL {
  const base = config.serverAddress.href.replace(/\/+$/, '');
  const time = now.toISOString();
  let q = `query=${rfc3986(config.query)}&time=${rfc3986(time)}`;
  if (config.namespace) q += `&namespace=${rfc3986(config.namespace)}`;
  for (const [k, v] of Object.entries(config.queryParameters)) q += `&${rfc3986(k)}=${rfc3986(v)}`;
  return new URL(`${base}/api/v1/query?${q}`);
}

interface PromResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * KEDA result handling: exactly one element; empty/NaN/±Inf are 0 with ignoreNullValues, else errors. `onEmpty` is
 * told of an answer with no series (or a series without a value) either way, as KEDA counts it in
 * keda_scaler_empty_upstream_responses_total (pkg/scalers/prometheus_scaler.go ExecutePromQuery); NaN/±Inf are not.
 */
export function valueFromResponse(body: string, config: Pick<PrometheusConfig, 'query' | 'ignoreNullValues'>, onEmpty?: () => void): number {
  let parsed: PromResponse;
  try {
    parsed = JSON.parse(body) as PromResponse;
  } catch {
    throw new ReadError('other', `${TYPE}: the server's answer is not Prometheus JSON; check serverAddress`);
  }
  const type = parsed.data?.resultType;
  const result = parsed.data?.result;
  if (type !== 'vector' || !Array.isArray(result)) {
    // KEDA fails to decode a scalar and reads a matrix as empty; Updraft says what to change instead.
    throw new ReadError(
      'bad-query',
      `${TYPE}: query ${config.query} returned a ${type ?? 'non-vector'} result; it must return an instant vector (for a scalar use vector(...), drop range selectors [..] outside functions)`,
    );
  }
  if (result.length > 1) throw new ReadError('bad-query', `${TYPE}: prometheus query ${config.query} returned multiple elements; aggregate it, e.g. sum(...)`);
  const value = (result[0] as { value?: unknown[] } | undefined)?.value;
  if (result.length === 0 || !Array.isArray(value) || value.length < 2) {
    if (result.length === 0 || !Array.isArray(value) || value.length === 0) onEmpty?.();
    if (config.ignoreNullValues) return 0;
    throw new ReadError('empty', `${TYPE}: prometheus metrics 'prometheus' target may be lost, the result is empty (query ${config.query})`);
  }
  const v = Number.parseFloat(String(value[1]));
  if (!Number.isFinite(v)) {
    if (config.ignoreNullValues) return 0;
    throw new ReadError('empty', `${TYPE}: query ${config.query} returned ${String(value[1])} and ignoreNullValues is false`);
  }
  return v;
}

function statusError(status: number, body: string, config: PrometheusConfig, identity?: string): ReadError {
  let detail = '';
  try {
    const p = JSON.parse(body) as PromResponse & { message?: unknown; Message?: unknown };
    if (p.error) detail = `: ${p.errorType ? `${p.errorType}: ` : ''}${p.error}`;
    // Amazon Managed Prometheus (API Gateway) answers a refusal as {"message": "User: arn:... is not authorized to
    // perform: aps:QueryMetrics ..."}: the sentence that names the missing permission.
    else {
      const m = typeof p.message === 'string' ? p.message : typeof p.Message === 'string' ? p.Message : '';
      if (m) detail = `: ${m.length > 400 ? `${m.slice(0, 400)}…` : m}`;
    }
  } catch {
    // not JSON (a proxy's page); the status says enough
  }
  const head = `${TYPE}: prometheus query api returned error. status: ${status}${detail}`;
  if (status === 401 || status === 403) {
    return new ReadError('auth', `${head} (${displayAddress(config.serverAddress)} refused ${identity ?? 'the request'}; check the credentials or authModes)`);
  }
  if (status === 429) return new ReadError('throttled', `${head} (throttled; raise pollingInterval)`);
  if (status === 400 || status === 422) return new ReadError('bad-query', `${head} (query ${config.query})`);
  return new ReadError('other', `${head} (${displayAddress(config.serverAddress)})`);
}

export const descriptor = defineScaler<PrometheusConfig>({
  type: TYPE,
  fields,
  // KEDA reads these AWS keys too when it signs for Amazon Managed Prometheus (pkg/scalers/aws/aws_common.go).
  otherKeys: AWS_IDENTITY_KEYS,
  example: { metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(rate(http_requests_total[2m]))', threshold: '100' } },
  parse: (input) => parse(input),
  metricSpecs: (config, triggerIndex, metricType) => externalMetricSpec(triggerIndex, TYPE, config.threshold, TYPE, metricType),
  activationThreshold: (config) => config.activationThreshold,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const http = new HttpGetter(config.serverAddress.protocol as 'http:' | 'https:', config.tls);
    let signer: SigV4Signer | undefined;
    let identity: string | undefined;
    if (config.sigv4) {
      const credentials = (ctx.awsCredentials ?? defaultAwsCredentials()).provider(config.sigv4.identity, config.sigv4.region);
      signer = new SigV4Signer('aps', config.sigv4.region, credentials);
      identity = describeAwsIdentity(config.sigv4.identity);
    }
    return {
      async read(signal) {
        const url = queryURL(config, new Date());
        let headers = { ...config.headers };
        if (signer) {
          try {
            headers = await signer.sign({ method: 'GET', url, headers });
          } catch (e) {
            const why = e instanceof Error ? e.message : String(e);
            throw new ReadError('auth', `${TYPE}: cannot sign the query for Amazon Managed Prometheus: ${why}`, { cause: e });
          }
        }
        const res = await http.get(url, headers, config.timeoutMs, signal, `${TYPE}: query`, ctx.telemetry);
        if (res.status < 200 || res.status > 299) throw statusError(res.status, res.body, config, identity);
        const value = valueFromResponse(res.body, config, () => ctx.telemetry?.emptyUpstreamResponse(config.ignoreNullValues));
        return { metrics: [{ name, value }] };
      },
      async close() {
        http.close();
      },
    };
  },
});
