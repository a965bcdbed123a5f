// External secret sources of a TriggerAuthentication: AWS Secrets Manager (KEDA
// `pkg/scaling/resolver/aws_secretmanager_handler.go`), HashiCorp Vault (KEDA
// `pkg/scaling/resolver/hashicorpvault_handler.go`) and bound ServiceAccount tokens (KEDA
// `pkg/scaling/resolver/scale_resolvers.go` `resolveBoundServiceAccountToken` / `GenerateBoundServiceAccountToken`).
// Plain HTTP (fetch) with SigV4 from ./sigv4.ts: no SDK client per provider. Errors never carry a secret value.
import { readFile } from 'node:fs/promises';
import type { TriggerAuthenticationSpec } from '../api/types.ts';
import { defaultAwsCredentials, describeAwsIdentity, type AwsCredentialCache, type AwsIdentity } from './aws-credentials.ts';
import type { ObjectSource } from './object-source.ts';
import { SigV4Signer } from './sigv4.ts';

type Spec = TriggerAuthenticationSpec;
export type AwsSecretManagerSpec = NonNullable<Spec['awsSecretManager']>;
/** `spec.hashiCorpVault` (KEDA `apis/keda/v1alpha1/triggerauthentication_types.go` HashiCorpVault). */
export interface HashiCorpVaultSpec {
  address: string;
  authentication: 'token' | 'kubernetes' | string;
  secrets: VaultSecretSpec[];
  namespace?: string;
  credential?: { token?: string; serviceAccount?: string; serviceAccountName?: string };
  role?: string;
  mount?: string;
}
export interface VaultSecretSpec {
  parameter: string;
  path: string;
  key: string;
  type?: '' | 'secret' | 'secretV2' | 'pki';
  pkiData?: { commonName?: string; altNames?: string; ipSans?: string; uriSans?: string; otherSans?: string; ttl?: string; format?: string };
}

/** A secret source failed as a whole (login, credentials). The message names the source, never a value. */
export class SecretSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretSourceError';
  }
}

const TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------- bound ServiceAccount tokens

/**
 * KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY (KEDA `pkg/util/env_resolver.go` `GetBoundServiceAccountTokenExpiry`):
 * a Go duration between 1h and 6h, default 1h. Returns seconds.
 */
export function boundTokenExpirySeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY?.trim();
  if (!raw) return 3600;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(raw);
  const seconds = m && raw !== '' ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
  if (!Number.isFinite(seconds) || seconds < 3600 || seconds > 6 * 3600) {
    throw new SecretSourceError(`invalid value for KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY: ${raw}, must be between 1h and 6h`);
  }
  return seconds;
}

/**
 * A TokenRequest for `serviceAccountName` in `namespace`. KEDA checks the ServiceAccount exists first and, on any
 * error, logs and sets the parameter to ""; here the reason is returned too, so the caller can show it.
 */
export async function boundServiceAccountToken(
  source: ObjectSource,
  namespace: string,
  serviceAccountName: string,
  expirySeconds = boundTokenExpirySeconds(),
): Promise<{ token: string; problem?: string }> {
  if (!serviceAccountName) return { token: '', problem: 'serviceAccountName is required' };
  if (!source.createServiceAccountToken || !source.getServiceAccount) {
    return { token: '', problem: 'bound ServiceAccount tokens need the cluster (not available in this mode)' };
  }
  try {
    const sa = await source.getServiceAccount(namespace, serviceAccountName);
    if (!sa) return { token: '', problem: `ServiceAccount ${namespace}/${serviceAccountName} does not exist` };
    return { token: await source.createServiceAccountToken(namespace, serviceAccountName, expirySeconds) };
  } catch (e) {
    return { token: '', problem: `TokenRequest for ServiceAccount ${namespace}/${serviceAccountName} failed: ${firstLine(e)}` };
  }
}

// ---------------------------------------------------------------- AWS Secrets Manager

export interface AwsSecretManagerContext {
  source: ObjectSource;
  /** Where `credentials` Secrets live (the TriggerAuthentication's namespace, or the cluster object namespace). */
  secretNamespace: string;
  /** The workload ServiceAccount's role, for `podIdentity.identityOwner: workload` (resolved by the caller). */
  workloadRoleArn: () => Promise<string | undefined>;
  credentials?: AwsCredentialCache;
  env?: NodeJS.ProcessEnv;
}

/** Which identity reads Secrets Manager (KEDA `AwsSecretManagerHandler.Initialize`). */
export async function awsSecretManagerIdentity(spec: AwsSecretManagerSpec, ctx: AwsSecretManagerContext): Promise<AwsIdentity> {
  const pi = spec.podIdentity;
  const provider = pi?.provider ?? '';
  if (provider === '' || provider === 'none') {
    const c = spec.credentials;
    const read = async (ref: { valueFrom: { secretKeyRef: { name: string; key: string } } } | undefined) =>
      ref ? ((await ctx.source.getSecret(ctx.secretNamespace, ref.valueFrom.secretKeyRef.name))?.[ref.valueFrom.secretKeyRef.key] ?? '') : '';
    const accessKeyId = await read(c?.accessKey);
    const secretAccessKey = await read(c?.accessSecretKey);
    if (!accessKeyId || !secretAccessKey) {
      throw new SecretSourceError(
        'AccessKeyID and AccessSecretKey are expected when not using a pod identity provider (credentials.accessKey / credentials.accessSecretKey)',
      );
    }
    const sessionToken = await read(c?.accessToken);
    return { kind: 'keys', accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  if (provider === 'aws') {
    if (pi?.identityOwner === 'workload') {
      const roleArn = await ctx.workloadRoleArn();
      if (!roleArn)
        throw new SecretSourceError("error resolving role arn for aws: annotation 'eks.amazonaws.com/role-arn' not found on the workload's ServiceAccount");
      return { kind: 'role', roleArn };
    }
    const externalId = (pi as { externalID?: string }).externalID;
    if (pi?.roleArn) return { kind: 'role', roleArn: pi.roleArn, ...(externalId ? { externalId } : {}) };
    return { kind: 'operator' };
  }
  throw new SecretSourceError(`pod identity provider ${provider} not supported`);
}

/** The Secrets Manager endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL (the AWS SDKs' variables), else the regional one. */
export function secretsManagerEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || `https://secretsmanager.${region}.amazonaws.com`;
}

/**
 * Read every secret of an `awsSecretManager` block. KEDA skips the whole block when the identity cannot be set up,
 * and a single secret when its read fails; both are returned as `problems` (logged and shown by the caller).
 */
export async function readAwsSecretManager(
  spec: AwsSecretManagerSpec,
  ctx: AwsSecretManagerContext,
): Promise<{ values: Record<string, string>; problems: string[] }> {
  const env = ctx.env ?? process.env;
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const region = spec.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  let identity: AwsIdentity;
  try {
    if (!region) throw new SecretSourceError('no region: set awsSecretManager.region (or AWS_REGION on the operator)');
    identity = await awsSecretManagerIdentity(spec, ctx);
  } catch (e) {
    problems.push(`error authenticating to Aws Secret Manager: ${firstLine(e)}`);
    return { values, problems };
  }
  const cache = ctx.credentials ?? defaultAwsCredentials();
  const signer = new SigV4Signer('secretsmanager', region, cache.provider(identity, region));
  const url = new URL(secretsManagerEndpoint(region, env));
  if (!url.pathname) url.pathname = '/';
  for (const s of spec.secrets) {
    try {
      values[s.parameter] = await getSecretValue(signer, url, s);
    } catch (e) {
      problems.push(`error trying to read secret ${s.name} from Aws Secret Manager as ${describeAwsIdentity(identity)}: ${firstLine(e)}`);
    }
  }
  return { values, problems };
}

async function getSecretValue(signer: SigV4Signer, url: URL, s: AwsSecretManagerSpec['secrets'][number]): Promise<string> {
  const body = JSON.stringify({
    SecretId: s.name,
    ...(s.versionId ? { VersionId: s.versionId } : {}),
    ...(s.versionStage ? { VersionStage: s.versionStage } : {}),
  });
  const headers = await signer.sign({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  });
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let json: { SecretString?: string; __type?: string; message?: string; Message?: string } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: reported by status below.
  }
  if (!res.ok) {
    const type = (json.__type ?? '').split('#').pop() || `HTTP ${res.status}`;
    throw new SecretSourceError(`${type}: ${json.message ?? json.Message ?? text.slice(0, 200)}`);
  }
  if (typeof json.SecretString !== 'string') throw new SecretSourceError('the secret has no SecretString (binary secrets are not supported, as in KEDA)');
  if (!s.secretKey) return json.SecretString;
  let map: unknown;
  try {
    map = JSON.parse(json.SecretString);
  } catch {
    throw new SecretSourceError(`secretKey ${s.secretKey} is set but the secret is not a JSON object`);
  }
  const v = typeof map === 'object' && map !== null ? (map as Record<string, unknown>)[s.secretKey] : undefined;
  if (v === undefined) throw new SecretSourceError(`SecretKey ${s.secretKey} Not Found`);
  if (typeof v !== 'string') throw new SecretSourceError(`SecretKey ${s.secretKey} value is not a string`);
  return v;
}

// ---------------------------------------------------------------- HashiCorp Vault

export interface VaultContext {
  source: ObjectSource;
  /** Namespace of the ScaledObject/ScaledJob: where credential.serviceAccountName is (KEDA passes the object's namespace). */
  namespace: string;
  env?: NodeJS.ProcessEnv;
  /** Default service account token file for kubernetes auth without a credential (KEDA's in-pod path). */
  defaultTokenFile?: string;
}

interface VaultResponse {
  data?: Record<string, unknown>;
  auth?: { client_token?: string };
  errors?: string[];
}

class VaultClient {
  token = '';
  constructor(
    private readonly address: string,
    private readonly namespace: string | undefined,
  ) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<VaultResponse | undefined> {
    const url = `${this.address.replace(/\/+$/, '')}/v1/${path.replace(/^\/+/, '')}`;
    const headers: Record<string, string> = {};
    if (this.token) headers['x-vault-token'] = this.token;
    if (this.namespace) headers['x-vault-namespace'] = this.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw new SecretSourceError(`${method} ${path}: ${firstLine((e as { cause?: unknown }).cause ?? e)}`);
    }
    const text = await res.text();
    let json: VaultResponse | undefined;
    try {
      json = text ? (JSON.parse(text) as VaultResponse) : undefined;
    } catch {
      json = undefined;
    }
    // The Vault API client answers a 404 on a read with "no secret" rather than an error.
    if (res.status === 404 && method === 'GET' && !json?.errors?.length) return undefined;
    if (!res.ok) throw new SecretSourceError(`${method} ${path}: Code: ${res.status}. Errors: ${(json?.errors ?? [text.slice(0, 200)]).join('; ')}`);
    return json;
  }
}

/** Log in (KEDA `HashicorpVaultHandler.token`) and check the token with lookup-self (KEDA `Initialize`). */
async function vaultLogin(spec: HashiCorpVaultSpec, ctx: VaultContext): Promise<VaultClient> {
  const env = ctx.env ?? process.env;
  const client = new VaultClient(spec.address, spec.namespace || undefined);
  if (spec.authentication === 'token') {
    // KEDA's Vault client starts with VAULT_TOKEN from the operator's environment, which wins.
    client.token = env.VAULT_TOKEN || spec.credential?.token || '';
    if (!client.token) throw new SecretSourceError('could not get Vault token (set credential.token)');
  } else if (spec.authentication === 'kubernetes') {
    if (!spec.mount) throw new SecretSourceError('auth mount not in config (set mount)');
    if (!spec.role) throw new SecretSourceError('k8s role not in config (set role)');
    const cred = spec.credential ?? { serviceAccount: ctx.defaultTokenFile ?? '/var/run/secrets/kubernetes.io/serviceaccount/token' };
    let jwt: string;
    if (cred.serviceAccountName) {
      const r = await boundServiceAccountToken(ctx.source, ctx.namespace, cred.serviceAccountName);
      if (!r.token) throw new SecretSourceError(`no token for credential.serviceAccountName: ${r.problem}`);
      jwt = r.token;
    } else if (cred.serviceAccount) {
      try {
        jwt = (await readFile(cred.serviceAccount, 'utf8')).trim();
      } catch (e) {
        throw new SecretSourceError(`cannot read the service account token file ${cred.serviceAccount}: ${firstLine(e)}`);
      }
    } else {
      throw new SecretSourceError('k8s SA file not in config or serviceAccountName not supplied');
    }
    const login = await client.call('POST', `auth/${spec.mount}/login`, { jwt, role: spec.role });
    client.token = login?.auth?.client_token ?? '';
    if (!client.token) throw new SecretSourceError(`login at auth/${spec.mount} returned no token`);
  } else {
    throw new SecretSourceError(`vault auth method ${String(spec.authentication)} is not supported`);
  }
  await client.call('GET', 'auth/token/lookup-self');
  return client;
}

function pkiRequest(p: VaultSecretSpec['pkiData']): Record<string, string> {
  const out: Record<string, string> = {};
  const map: Array<[keyof NonNullable<VaultSecretSpec['pkiData']>, string]> = [
    ['commonName', 'common_name'],
    ['altNames', 'alt_names'],
    ['ipSans', 'ip_sans'],
    ['uriSans', 'uri_sans'],
    ['otherSans', 'other_sans'],
    ['ttl', 'ttl'],
    ['format', 'format'],
  ];
  for (const [k, wire] of map) if (p?.[k]) out[wire] = p[k]!;
  return out;
}

/** KEDA `getSecretValue`: "" type is KV v2 when the response has `data.data`, KV v1 otherwise. */
export function vaultSecretValue(secret: VaultSecretSpec, data: Record<string, unknown>): string {
  let type = secret.type ?? '';
  if (type === '') type = 'data' in data ? 'secretV2' : 'secret';
  if (type === 'secretV2') {
    const inner = data.data;
    if (typeof inner !== 'object' || inner === null) return '';
    const v = (inner as Record<string, unknown>)[secret.key];
    if (v === undefined) throw new SecretSourceError(`key '${secret.key}' not found`);
    if (typeof v !== 'string') throw new SecretSourceError(`key '${secret.key}' is not castable to string`);
    return v;
  }
  const v = data[secret.key];
  if (v === undefined) throw new SecretSourceError(`key '${secret.key}' not found`);
  if (type === 'pki' && secret.key === 'ca_chain') {
    if (!Array.isArray(v)) throw new SecretSourceError(`key '${secret.key}' is not castable to []interface{}`);
    return v.map(String).join('\n');
  }
  if (typeof v !== 'string') throw new SecretSourceError(`key '${secret.key}' is not castable to string`);
  return v;
}

/**
 * Resolve a `hashiCorpVault` block. A failed login is an error (KEDA aborts the resolution); a path that cannot be
 * read, or a key that is missing, sets its parameters to "" (KEDA `ResolveSecrets`) and is reported in `problems`.
 * Secrets of the same (type, path, pkiData) are fetched once (dynamic credentials stay consistent).
 */
export async function readHashiCorpVault(spec: HashiCorpVaultSpec, ctx: VaultContext): Promise<{ values: Record<string, string>; problems: string[] }> {
  let client: VaultClient;
  try {
    client = await vaultLogin(spec, ctx);
  } catch (e) {
    throw new SecretSourceError(`error authenticating to Vault at ${spec.address}: ${firstLine(e)}`);
  }
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const groups = new Map<string, { path: string; type: string; pkiData: VaultSecretSpec['pkiData']; secrets: VaultSecretSpec[] }>();
  for (const s of spec.secrets) {
    const key = JSON.stringify([s.type ?? '', s.path, s.type === 'pki' ? pkiRequest(s.pkiData) : {}]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { path: s.path, type: s.type ?? '', pkiData: s.pkiData, secrets: [] }));
    g.secrets.push(s);
  }
  for (const g of groups.values()) {
    let data: Record<string, unknown> | undefined;
    try {
      const r = g.type === 'pki' ? await client.call('POST', g.path, pkiRequest(g.pkiData)) : await client.call('GET', g.path);
      data = r?.data;
      if (!data) problems.push(`Vault path ${g.path}: no secret there`);
    } catch (e) {
      problems.push(`Vault path ${g.path}: ${firstLine(e)}`);
    }
    for (const s of g.secrets) {
      values[s.parameter] = '';
      if (!data) continue;
      try {
        values[s.parameter] = vaultSecretValue(s, data);
      } catch (e) {
        problems.push(`Vault path ${g.path}: ${firstLine(e)}`);
      }
    }
  }
  return { values, problems };
}

function firstLine(e: unknown): string {
  return String((e as { message?: string })?.message ?? e).split('\n')[0];
}
