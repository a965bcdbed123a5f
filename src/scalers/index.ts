// The registry of trigger types Updraft can read, and the one way to build a scaler from a trigger.
import * as awsCloudwatch from './aws-cloudwatch.ts';
import * as awsSqsQueue from './aws-sqs-queue.ts';
import * as opentelemetry from './opentelemetry.ts';
import * as prometheus from './prometheus.ts';
import { ConfigError, type Scaler, type ScalerContext, type ScalerFactory } from './scaler.ts';

export const scalerFactories: ReadonlyMap<string, ScalerFactory> = new Map(
  [awsSqsQueue.factory, awsCloudwatch.factory, prometheus.factory, opentelemetry.factory].map((f) => [f.type, f]),
);

/** Parse the trigger and build its scaler (no I/O). Unknown type → ConfigError `no scaler found for type: X`. */
export function buildScaler(ctx: ScalerContext): Scaler {
  const factory = scalerFactories.get(ctx.trigger.type);
  if (!factory) {
    throw new ConfigError(ctx.trigger.type, 'type',
      `no scaler found for type: ${ctx.trigger.type} (Updraft reads ${[...scalerFactories.keys()].join(', ')})`);
  }
  return factory.build(ctx);
}
