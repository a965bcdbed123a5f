// The part every AWS trigger shares: an SDK client leased from the credential cache per (identity, region,
// endpoint), reads whose failures become ReadErrors in the user's terms (awsReadError), and the release on close.
import {
  AwsIdentityError,
  defaultAwsCredentials,
  describeAwsIdentity,
  resolveAwsIdentity,
  type AwsClientConfig,
  type AwsCredentialCache,
  type AwsIdentity,
  type AwsIdentityInput,
  type Destroyable,
} from '../../auth/aws-credentials.ts';
import { ConfigError, ReadError, type RawReading, type ReaderContext, type TriggerReader } from '../scaler.ts';
import { findAddressRefused, guardedRequestHandler } from './address-policy.ts';
import { awsReadError } from './aws-read-error.ts';
import type { OfflineParse } from './typed-config.ts';

export interface AwsScalerOptions<C extends Destroyable> {
  type: string;
  ctx: Pick<ReaderContext, 'awsCredentials'>;
  config: { identity: AwsIdentity; awsRegion: string; awsEndpoint?: string };
  /** Client cache key part, e.g. 'sqs'. */
  service: string;
  makeClient(config: AwsClientConfig): C;
  /** What a failed read was doing, e.g. "GetQueueAttributes on <queue URL>". */
  operation: string;
  read(client: C, signal: AbortSignal): Promise<RawReading>;
}

export function awsScaler<C extends Destroyable>(o: AwsScalerOptions<C>): TriggerReader {
  const credentials: AwsCredentialCache = o.ctx.awsCredentials ?? defaultAwsCredentials();
  // Connect-time address check (address-policy.ts): the SDK's agents resolve through guardedLookup, so an
  // awsEndpoint (or an SQS queueURL host) whose name resolves to a cloud metadata address is refused after DNS.
  const makeClient = (cfg: AwsClientConfig) => o.makeClient({ ...cfg, requestHandler: guardedRequestHandler() });
  const lease = credentials.acquireClient(o.service, o.config.identity, o.config.awsRegion, o.config.awsEndpoint, makeClient);
  const callContext = {
    triggerType: o.type,
    operation: o.operation,
    identity: describeAwsIdentity(o.config.identity),
    region: o.config.awsRegion,
    ...(o.config.awsEndpoint ? { endpoint: o.config.awsEndpoint } : {}),
  };
  return {
    async read(signal) {
      try {
        return await o.read(lease.client, signal);
      } catch (e) {
        const refused = findAddressRefused(e);
        if (refused) throw new ReadError('other', `${o.type}: ${o.operation}: ${refused.message}`, { cause: refused });
        throw awsReadError(e, callContext);
      }
    },
    async close() {
      lease.release();
    },
  };
}

/** Metadata keys KEDA reads for an AWS identity (pkg/scalers/aws/aws_common.go), besides a scaler's own fields. */
export const AWS_IDENTITY_KEYS = ['identityOwner', 'awsAccessKeyID', 'awsAccessKeyIDFromEnv', 'awsSecretAccessKeyFromEnv'] as const;

/** The trigger's AWS identity (KEDA `pkg/scalers/aws/aws_common.go` `GetAwsAuthorization`), with resolution problems reported as the trigger's ConfigError. */
export function triggerAwsIdentity(type: string, input: AwsIdentityInput & { offline?: OfflineParse }): AwsIdentity {
  try {
    return resolveAwsIdentity(input);
  } catch (e) {
    const o = input.offline;
    const fromEnv = Object.keys(input.metadata).some((k) => k.startsWith('aws') && k.endsWith('FromEnv'));
    if (e instanceof AwsIdentityError && o && (o.authUnknown || (o.envUnknown && fromEnv))) {
      // Offline, the identity may come from the TriggerAuthentication (keys, role, pod identity) or the env.
      o.notes.push(`the AWS identity comes from ${o.authUnknown ? 'the TriggerAuthentication' : "the target's env"} at run time; not checked offline`);
      return { kind: 'operator' };
    }
    if (e instanceof AwsIdentityError) throw new ConfigError(type, e.field, e.message);
    throw e;
  }
}
