// AWS credentials the way EKS users have them (KEDA `pkg/scalers/aws/aws_common.go` `GetAwsAuthorization`):
// which identity a trigger uses, and one shared, refreshing credential provider (and SDK client) per identity, so a
// thousand triggers that share a role make one STS call per credential lifetime, not a thousand.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { TriggerAuthenticationSpec } from '../api/types.ts';

/** @aws-sdk/credential-providers, imported by the first credential request (not with the module: most operators never use AWS). */
let providersLib: Promise<typeof import('@aws-sdk/credential-providers')> | undefined;
function providers(): Promise<typeof import('@aws-sdk/credential-providers')> {
  return (providersLib ??= import('@aws-sdk/credential-providers').catch((e: unknown) => {
    providersLib = undefined;
    throw e;
  }));
}

/** A provider made by `make` once the providers package is loaded (made once, so its own caching is kept). */
function deferredProvider(make: (p: typeof import('@aws-sdk/credential-providers')) => AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let made: AwsCredentialIdentityProvider | undefined;
  return async (options) => {
    made ??= make(await providers());
    return made(options);
  };
}

/** Who a trigger acts as. */
export type AwsIdentity =
  /** The operator's own credentials: env keys, IRSA web identity token, EKS Pod Identity, instance role. */
  | { kind: 'operator' }
  /** A role assumed from the operator's credentials (AssumeRoleWithWebIdentity first when a token file exists). */
  | { kind: 'role'; roleArn: string; externalId?: string }
  | { kind: 'keys'; accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** A trigger's AWS identity is not configured correctly. `field` is the parameter to fix. */
export class AwsIdentityError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AwsIdentityError';
  }
}

/** Credentials could not be obtained (STS refused, token file unreadable, no credentials at all). No secrets inside. */
export class AwsCredentialsError extends Error {
  constructor(
    readonly identity: string,
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsCredentialsError';
  }
}

export interface AwsIdentityInput {
  podIdentity?: TriggerAuthenticationSpec['podIdentity'];
  authParams: Record<string, string>;
  metadata: Record<string, string>;
  resolvedEnv: Record<string, string>;
}

function param(map: Record<string, string>, key: string): string | undefined {
  // Own strings only: an env var named `constructor` (via awsAccessKeyIDFromEnv) must not find Object's member.
  const raw = Object.hasOwn(map, key) ? map[key] : undefined;
  const v = typeof raw === 'string' ? raw.trim() : undefined;
  return v ? v : undefined;
}

/**
 * KEDA `GetAwsAuthorization`, in its order:
 * 1. `podIdentity.provider: aws`: a role (`podIdentity.roleArn`, or authParams `awsRoleArn`
 *    set by identityOwner workload) — else the operator's own credentials;
 * 2. legacy metadata `identityOwner: operator`: the operator's own credentials;
 * 3. `identityOwner` ""/`pod`: authParams `awsRoleArn`, else access keys from authParams
 *    (`awsAccessKeyID`/`awsAccessKeyId`, `awsSecretAccessKey`, `awsSessionToken`) or from metadata/env.
 */
export function resolveAwsIdentity(input: AwsIdentityInput): AwsIdentity {
  const { podIdentity, authParams, metadata, resolvedEnv } = input;
  const externalId = podIdentity?.externalID || param(authParams, 'awsExternalID');
  // Only `aws` is a pod identity here (KEDA `aws_common.go` `GetAwsAuthorization`); the deprecated `aws-eks` goes
  // the legacy way below: its awsRoleArn (the workload's role, set by the resolver) is assumed from the operator's
  // credentials unless the trigger says identityOwner: operator.
  if (podIdentity && podIdentity.provider === 'aws') {
    const roleArn = podIdentity.roleArn || param(authParams, 'awsRoleArn');
    return roleArn ? { kind: 'role', roleArn, ...(externalId ? { externalId } : {}) } : { kind: 'operator' };
  }
  const owner = param(metadata, 'identityOwner') ?? 'pod';
  if (owner === 'operator') return { kind: 'operator' };
  if (owner !== 'pod') {
    throw new AwsIdentityError('identityOwner', `identityOwner must be pod or operator, got '${owner}'`);
  }
  const roleArn = param(authParams, 'awsRoleArn');
  if (roleArn) return { kind: 'role', roleArn, ...(externalId ? { externalId } : {}) };

  const fromEnv = (key: string) => {
    const name = param(metadata, `${key}FromEnv`);
    return name ? param(resolvedEnv, name) : undefined;
  };
  const accessKeyId =
    param(authParams, 'awsAccessKeyID') ?? param(authParams, 'awsAccessKeyId') ?? param(metadata, 'awsAccessKeyID') ?? fromEnv('awsAccessKeyID');
  if (!accessKeyId) {
    throw new AwsIdentityError(
      'awsAccessKeyID',
      "awsAccessKeyID not found; give the trigger an identity: identityOwner: operator (the operator's role), a TriggerAuthentication with podIdentity provider aws, awsRoleArn, or awsAccessKeyID + awsSecretAccessKey",
    );
  }
  const secretAccessKey = param(authParams, 'awsSecretAccessKey') ?? fromEnv('awsSecretAccessKey');
  if (!secretAccessKey) {
    throw new AwsIdentityError(
      'awsSecretAccessKey',
      'awsSecretAccessKey not found; set it in a TriggerAuthentication (secretTargetRef parameter awsSecretAccessKey) or with awsSecretAccessKeyFromEnv',
    );
  }
  const sessionToken = param(authParams, 'awsSessionToken');
  return { kind: 'keys', accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** Names an identity without secrets: a role ARN, or the first 4 characters of an access key id. */
export function describeAwsIdentity(id: AwsIdentity): string {
  switch (id.kind) {
    case 'operator':
      return "the operator's own AWS credentials (identityOwner: operator)";
    case 'role':
      return `role ${id.roleArn}`;
    case 'keys':
      return `access key ${id.accessKeyId.slice(0, 4)}…`;
  }
}

/** A cache key for an identity; secrets enter only as a hash. */
export function awsIdentityKey(id: AwsIdentity): string {
  switch (id.kind) {
    case 'operator':
      return 'operator';
    case 'role':
      return `role|${id.roleArn}|${id.externalId ?? ''}`;
    case 'keys': {
      const h = createHash('sha256')
        .update(`${id.secretAccessKey}\0${id.sessionToken ?? ''}`)
        .digest('hex')
        .slice(0, 16);
      return `keys|${id.accessKeyId}|${h}`;
    }
  }
}

export interface AwsCredentialCacheOptions {
  /** STS endpoint for AssumeRole* calls (moto in tests); default the SDK's regional endpoint. */
  stsEndpoint?: string;
  /** Environment read for AWS_WEB_IDENTITY_TOKEN_FILE; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Clock for expiry decisions (tests). */
  now?: () => number;
  /** Refresh this long before credentials expire; default 5 minutes (the AWS SDK's own window). */
  refreshBeforeExpiryMs?: number;
  /** The operator's own credentials; default the SDK's node provider chain. */
  operatorCredentials?: (region: string) => AwsCredentialIdentityProvider;
}

/** Something with the SDK client's `destroy`. */
export interface Destroyable {
  destroy(): void;
}

/** The pieces every SDK client is built from. */
export interface AwsClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  endpoint?: string;
  /** NodeHttpHandler options; scalers set agents whose DNS lookup applies the scaler address policy. */
  requestHandler?: { httpAgent: { lookup: LookupFunction }; httpsAgent: { lookup: LookupFunction } };
}

/**
 * Credential providers and SDK clients, shared per (identity, region) — KEDA's aws config cache. Providers refresh
 * before expiry and collapse concurrent refreshes into one call.
 */
export class AwsCredentialCache {
  private readonly providers = new Map<string, AwsCredentialIdentityProvider>();
  private readonly clients = new Map<string, { client: Destroyable; refs: number }>();
  private readonly now: () => number;
  private readonly refreshMs: number;

  constructor(private readonly options: AwsCredentialCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshBeforeExpiryMs ?? 5 * 60_000;
  }

  get stsEndpoint(): string | undefined {
    return this.options.stsEndpoint;
  }

  /** The shared provider for `id` in `region`. Errors it throws are AwsCredentialsError. */
  provider(id: AwsIdentity, region: string): AwsCredentialIdentityProvider {
    const key = `${awsIdentityKey(id)}|${region}`;
    let p = this.providers.get(key);
    if (!p) {
      p = this.refreshing(this.build(id, region), describeAwsIdentity(id));
      this.providers.set(key, p);
    }
    return p;
  }

  /**
   * A shared SDK client per (client kind, identity, region, endpoint). Call `release` when the scaler closes; the
   * client is destroyed when its last user releases it.
   */
  acquireClient<T extends Destroyable>(
    kind: string,
    id: AwsIdentity,
    region: string,
    endpoint: string | undefined,
    make: (config: AwsClientConfig) => T,
  ): { client: T; release: () => void } {
    const key = `${kind}|${awsIdentityKey(id)}|${region}|${endpoint ?? ''}`;
    let entry = this.clients.get(key);
    if (!entry) {
      const config: AwsClientConfig = { region, credentials: this.provider(id, region), ...(endpoint ? { endpoint } : {}) };
      entry = { client: make(config), refs: 0 };
      this.clients.set(key, entry);
    }
    entry.refs++;
    const held = entry;
    let released = false;
    return {
      client: held.client as T,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        if (held.refs === 0 && this.clients.get(key) === held) {
          this.clients.delete(key);
          held.client.destroy();
        }
      },
    };
  }

  /** Number of live shared clients (for tests and metrics). */
  get clientCount(): number {
    return this.clients.size;
  }

  private operator(region: string): AwsCredentialIdentityProvider {
    if (this.options.operatorCredentials) return this.options.operatorCredentials(region);
    const stsConfig = { region, ...(this.options.stsEndpoint ? { endpoint: this.options.stsEndpoint } : {}) };
    return deferredProvider((p) => p.fromNodeProviderChain({ clientConfig: stsConfig }));
  }

  private build(id: AwsIdentity, region: string): AwsCredentialIdentityProvider {
    if (id.kind === 'keys') {
      const creds: AwsCredentialIdentity = {
        accessKeyId: id.accessKeyId,
        secretAccessKey: id.secretAccessKey,
        ...(id.sessionToken ? { sessionToken: id.sessionToken } : {}),
      };
      return async () => creds;
    }
    if (id.kind === 'operator') return this.operator(region);

    const stsConfig = { region, ...(this.options.stsEndpoint ? { endpoint: this.options.stsEndpoint } : {}) };
    // KEDA (aws_config_cache.go): session name "KEDA"; with a web identity token file, AssumeRoleWithWebIdentity on
    // the target role first, then AssumeRole from the operator's credentials (with ExternalId when given).
    const masterCredentials = this.operator(region);
    const assumeRole = deferredProvider((p) =>
      p.fromTemporaryCredentials({
        params: { RoleArn: id.roleArn, RoleSessionName: 'KEDA', ...(id.externalId ? { ExternalId: id.externalId } : {}) },
        masterCredentials,
        clientConfig: stsConfig,
      }),
    );
    const env = this.options.env ?? process.env;
    return async () => {
      const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
      if (tokenFile) {
        try {
          const token = (await readFile(tokenFile, 'utf8')).trim();
          const { fromWebToken } = await providers();
          return await fromWebToken({ roleArn: id.roleArn, webIdentityToken: token, roleSessionName: 'KEDA', clientConfig: stsConfig })();
        } catch {
          // KEDA falls back to AssumeRole when web identity fails (e.g. the role does not trust the operator's token).
        }
      }
      return assumeRole();
    };
  }

  private refreshing(inner: AwsCredentialIdentityProvider, identity: string): AwsCredentialIdentityProvider {
    let current: AwsCredentialIdentity | undefined;
    let pending: Promise<AwsCredentialIdentity> | undefined;
    const fresh = (c: AwsCredentialIdentity) => !c.expiration || c.expiration.getTime() - this.refreshMs > this.now();
    return async () => {
      if (current && fresh(current)) return current;
      pending ??= (async () => {
        try {
          current = await inner();
          return current;
        } catch (e) {
          throw credentialsError(identity, e);
        } finally {
          pending = undefined;
        }
      })();
      return pending;
    };
  }
}

function credentialsError(identity: string, e: unknown): AwsCredentialsError {
  const err = e as { name?: string; Code?: string; message?: string };
  const code = err?.Code ?? err?.name;
  // SDK/STS messages name the role or the key id at most; never a secret. Still, keep only the first line.
  const msg = String(err?.message ?? e).split('\n')[0];
  return new AwsCredentialsError(identity, `could not get AWS credentials for ${identity}: ${code && code !== 'Error' ? `${code}: ` : ''}${msg}`, code, {
    cause: e,
  });
}

let defaultCache: AwsCredentialCache | undefined;

/** The process-wide cache (operator, probe). `UPDRAFT_AWS_STS_ENDPOINT` overrides the STS endpoint. */
export function defaultAwsCredentials(): AwsCredentialCache {
  defaultCache ??= new AwsCredentialCache({ stsEndpoint: process.env.UPDRAFT_AWS_STS_ENDPOINT || undefined });
  return defaultCache;
}

/** Replace the process-wide cache (the CLI does this for --aws-endpoint). */
export function setDefaultAwsCredentials(cache: AwsCredentialCache): void {
  defaultCache = cache;
}
