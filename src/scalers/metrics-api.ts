// `metrics-api`: scale on a number an HTTP API returns (KEDA pkg/scalers/metrics_api_scaler.go), found by
// `valueLocation` in a json (GJSON path), yaml, xml (dot path) or prometheus (metric selector) body; auth modes as
// KEDA's pkg/scalers/authentication (apiKey in a header or the query, basic, bearer, tls; custom too).
import { httpUrlParam } from './common/address-policy.ts';
import { ClientPool, poolKey } from './common/client-pool.ts';
import { displayAddress, HttpGetter, type HttpTlsOptions } from './common/http-get.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { valueFromResponse, ValueError, type ApiFormat } from './common/response-value.ts';
import { bool, duration, float, oneOf, resolveConfig, someOf, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput } from './scaler.ts';

export const TYPE = 'metrics-api';

const AUTH_MODES = ['apiKey', 'basic', 'tls', 'bearer', 'custom', 'oauth'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

// ---- 1. the typed config ----

const fields = {
  /** Full URL of the API; http(s). */
  url: str(),
  /** Where the number is in the body (format specific). */
  valueLocation: str(),
  /** HPA target; KEDA: required and non-zero (unless the trigger is only a metric source). */
  targetValue: float({ optional: true }),
  activationTargetValue: float({ default: 0 }),
  format: oneOf(['json', 'yaml', 'xml', 'prometheus'] as const)({ default: 'json' }),
  unsafeSsl: bool({ default: false }),
  /** Per-request timeout; default KEDA_HTTP_DEFAULT_TIMEOUT. */
  timeout: duration({ optional: true }),
  /** KEDA: query every ready endpoint of the Service in `url` and aggregate. Not supported by Updraft yet. */
  aggregateFromKubeServiceEndpoints: bool({ default: false }),
  aggregationType: oneOf(['average', 'sum', 'max', 'min'] as const)({ default: 'average' }),
  authModes: someOf(AUTH_MODES)({ aliases: ['authMode'], order: ['triggerMetadata', 'authParams'], optional: true }),
  bearerToken: str({ aliases: ['token'], order: ['authParams'], optional: true }),
  username: str({ order: ['authParams'], optional: true }),
  password: str({ order: ['authParams'], optional: true }),
  cert: str({ order: ['authParams'], optional: true }),
  key: str({ order: ['authParams'], optional: true }),
  ca: str({ order: ['authParams'], optional: true }),
  apiKey: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  method: oneOf(['header', 'query'] as const)({ order: ['triggerMetadata', 'authParams'], default: 'header' }),
  keyParamName: str({ order: ['triggerMetadata', 'authParams'], optional: true }),
  customAuthHeader: str({ order: ['authParams'], optional: true }),
  customAuthValue: str({ order: ['authParams'], optional: true }),
};

export interface MetricsApiConfig {
  url: URL;
  valueLocation: string;
  format: ApiFormat;
  targetValue: number;
  activationTargetValue: number;
  timeoutMs: number;
  /** Request headers (auth). Holds secrets: never log. */
  headers: Record<string, string>;
  /** Query parameters added to url (apiKey with method query). Holds secrets. */
  query: Record<string, string>;
  tls: HttpTlsOptions;
  modes: AuthMode[];
}

// ---- 2. parse ----

export function parse(input: ParseInput): MetricsApiConfig {
  const c = resolveConfig(TYPE, fields, input);
  const url = httpUrlParam(TYPE, 'url', c.url, { example: 'http://api.namespace:8080/api/v1/stats' });
  if (!c.targetValue) {
    throw new ConfigError(TYPE, 'targetValue', 'no targetValue given in metadata: targetValue must be a number other than 0');
  }
  if (c.aggregateFromKubeServiceEndpoints) {
    throw new ConfigError(
      TYPE,
      'aggregateFromKubeServiceEndpoints',
      'aggregateFromKubeServiceEndpoints is not supported by Updraft yet; point url at one endpoint (or a Service that aggregates)',
    );
  }
  const modes = new Set<AuthMode>(c.authModes ?? []);
  const exclusive = (['bearer', 'basic', 'oauth'] as const).filter((m) => modes.has(m));
  if (exclusive.length > 1) throw new ConfigError(TYPE, 'authModes', `authModes may hold only one of bearer, basic, oauth, got '${[...modes].join(',')}'`);
  if (modes.has('oauth'))
    throw new ConfigError(TYPE, 'authModes', 'authModes oauth is not supported by Updraft for metrics-api yet; use apiKey, basic, bearer, custom or tls');

  const headers: Record<string, string> = {};
  const query: Record<string, string> = {};
  const tls: HttpTlsOptions = { rejectUnauthorized: !c.unsafeSsl };
  // KEDA's wording (pkg/scalers/authentication/authentication_types.go Validate), plus where to set it.
  if (modes.has('bearer')) {
    if (!c.bearerToken)
      throw new ConfigError(
        TYPE,
        'bearerToken',
        'bearer token=<empty> is required when bearer auth is enabled; set a TriggerAuthentication parameter "token" (or "bearerToken")',
      );
    headers.Authorization = `Bearer ${c.bearerToken}`;
  }
  if (modes.has('basic')) {
    if (!c.username)
      throw new ConfigError(TYPE, 'username', 'username=<empty> is required when basic auth is enabled; set a TriggerAuthentication parameter "username"');
    headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}`;
  }
  if (modes.has('tls')) {
    if (!c.cert || !c.key) {
      throw new ConfigError(
        TYPE,
        c.cert ? 'key' : 'cert',
        `cert=${c.cert ? '<present>' : '<empty>'} and key=${c.key ? '<present>' : '<empty>'} are required when tls auth is enabled; set TriggerAuthentication parameters "cert" and "key" (PEM)`,
      );
    }
    tls.cert = c.cert;
    tls.key = c.key;
    if (c.ca) tls.ca = c.ca;
  }
  if (modes.has('custom')) {
    if (!c.customAuthHeader || !c.customAuthValue) {
      throw new ConfigError(
        TYPE,
        c.customAuthHeader ? 'customAuthValue' : 'customAuthHeader',
        `customAuthHeader=${c.customAuthHeader ? '<present>' : '<empty>'} and customAuthValue=${c.customAuthValue ? '<present>' : '<empty>'} are required when custom auth is enabled`,
      );
    }
    headers[c.customAuthHeader] = c.customAuthValue;
  }
  if (modes.has('apiKey')) {
    if (!c.apiKey) throw new ConfigError(TYPE, 'apiKey', 'apiKey is required when apiKey auth is enabled; set a TriggerAuthentication parameter "apiKey"');
    if (c.method === 'query') query[c.keyParamName ?? 'api_key'] = c.apiKey;
    else headers[c.keyParamName ?? 'X-API-KEY'] = c.apiKey;
  }
  return {
    url,
    valueLocation: c.valueLocation,
    format: c.format,
    targetValue: c.targetValue,
    activationTargetValue: c.activationTargetValue,
    timeoutMs: c.timeout ?? input.httpTimeoutMs ?? 3000,
    headers,
    query,
    tls,
    modes: [...modes],
  };
}

// ---- 3. the reader ----

/** The URL requested: `url` with the apiKey query parameter set (replacing one of the same name, as url.Values.Set). */
export function requestURL(config: Pick<MetricsApiConfig, 'url' | 'query'>): URL {
  const u = new URL(config.url.href);
  for (const [k, v] of Object.entries(config.query)) u.searchParams.set(k, v);
  return u;
}

/** One HTTP client (keep-alive agent) per (scheme://host:port, TLS settings): triggers on one API share it. */
export const httpClients = new ClientPool<HttpGetter>((g) => g.close());

export function clientKey(config: Pick<MetricsApiConfig, 'url' | 'tls'>): string {
  const t = config.tls;
  return poolKey(`${config.url.protocol}//${config.url.host}`, { cert: t.cert, key: t.key, ca: t.ca }, { rejectUnauthorized: t.rejectUnauthorized });
}

export function statusError(status: number, url: URL): ReadError {
  // KEDA: "<path>: api returned <code>"
  const head = `${TYPE}: ${url.pathname}: api returned ${status}`;
  if (status === 401 || status === 403)
    return new ReadError('auth', `${head} (${displayAddress(url)} refused the credentials; check authMode and the TriggerAuthentication)`);
  if (status === 429) return new ReadError('throttled', `${head} (throttled; raise pollingInterval)`);
  if (status === 404) return new ReadError('bad-query', `${head} (no such path on ${displayAddress(url)}; check url)`);
  return new ReadError('other', `${head} (${displayAddress(url)})`);
}

export const descriptor = defineScaler<MetricsApiConfig>({
  type: TYPE,
  fields,
  example: { metadata: { url: 'http://api.apps:8080/api/v1/stats', valueLocation: 'components.worker.tasks', targetValue: '8.8' } },
  parse,
  // KEDA: `metric-api-<valueLocation>`, normalized.
  metricSpecs: (config, triggerIndex, metricType) =>
    externalMetricSpec(triggerIndex, `metric-api-${config.valueLocation}`, config.targetValue, TYPE, metricType),
  activationThreshold: (config) => config.activationTargetValue,
  createReader(config, ctx) {
    const name = ctx.metricSpecs[0].metricName;
    const lease = httpClients.acquire(clientKey(config), () => new HttpGetter(config.url.protocol as 'http:' | 'https:', config.tls));
    const url = requestURL(config);
    return {
      async read(signal) {
        const res = await lease.client.get(url, config.headers, config.timeoutMs, signal, `${TYPE}: GET ${displayAddress(url)}`, ctx.telemetry);
        if (res.status !== 200) throw statusError(res.status, url);
        try {
          return { metrics: [{ name, value: valueFromResponse(res.body, config.valueLocation, config.format) }] };
        } catch (e) {
          if (e instanceof ValueError) throw new ReadError(e.kind, `${TYPE}: ${e.message} (${config.format} from ${displayAddress(url)})`, { cause: e });
          throw e;
        }
      },
      close: () => lease.release(),
    };
  },
});
