// The part every AWS trigger shares: an SDK client leased from the credential cache per (identity, region,
// endpoint), reads whose failures become ReadErrors in the user's terms (awsReadError), and the release on close.
import {
  AwsIdentityError, defaultAwsCredentials, describeAwsIdentity, resolveAwsIdentity,
  type AwsClientConfig, type AwsCredentialCache, type AwsIdentity, type AwsIdentityInput, type Destroyable,
} from '../../auth/aws-credentials.ts';
import { ConfigError, type MetricSpec, type Reading, type Scaler, type ScalerContext } from '../scaler.ts';
import { awsReadError } from './aws-read-error.ts';

export interface AwsScalerOptions<C extends Destroyable> {
  type: string;
  ctx: ScalerContext;
  config: { identity: AwsIdentity; awsRegion: string; awsEndpoint?: string };
  metricSpecs: MetricSpec[];
  /** Client cache key part, e.g. 'sqs'. */
  service: string;
  makeClient(config: AwsClientConfig): C;
  /** What a failed read was doing, e.g. "GetQueueAttributes on <queue URL>". */
  operation: string;
  read(client: C, signal: AbortSignal): Promise<Reading>;
}

export function awsScaler<C extends Destroyable>(o: AwsScalerOptions<C>): Scaler {
  const credentials: AwsCredentialCache = o.ctx.awsCredentials ?? defaultAwsCredentials();
  const lease = credentials.acquireClient(o.service, o.config.identity, o.config.awsRegion, o.config.awsEndpoint, o.makeClient);
  const callContext = {
    triggerType: o.type,
    operation: o.operation,
    identity: describeAwsIdentity(o.config.identity),
    region: o.config.awsRegion,
    ...(o.config.awsEndpoint ? { endpoint: o.config.awsEndpoint } : {}),
  };
  return {
    type: o.type,
    metricSpecs: o.metricSpecs,
    async read(signal) {
      try {
        return await o.read(lease.client, signal);
      } catch (e) {
        throw awsReadError(e, callContext);
      }
    },
    async close() {
      lease.release();
    },
  };
}

/** The trigger's AWS identity (keda-spec §4.4), with resolution problems reported as the trigger's ConfigError. */
export function triggerAwsIdentity(type: string, input: AwsIdentityInput): AwsIdentity {
  try {
    return resolveAwsIdentity(input);
  } catch (e) {
    if (e instanceof AwsIdentityError) throw new ConfigError(type, e.field, e.message);
    throw e;
  }
}
