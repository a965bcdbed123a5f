// `external`: a KEDA external scaler — any gRPC server implementing KEDA's ExternalScaler service
// (pkg/scalers/external_scaler.go). Polled: every read asks GetMetrics (the value) and IsActive (the activity).
// The protocol, the shared channel and the metric specs from GetMetricSpec: common/external-scaler.ts.
import { createExternalReader, externalClients, externalFields, parseExternal, placeholderSpecs, type ExternalConfig } from './common/external-scaler.ts';
import { lazyReader } from './common/lazy-client.ts';
import { defineScaler } from './scaler.ts';

export const TYPE = 'external';

export const descriptor = defineScaler<ExternalConfig>({
  type: TYPE,
  fields: externalFields,
  // Every metadata key goes to the server in ScaledObjectRef.scalerMetadata: none is unknown.
  passThroughMetadata: true,
  example: { metadata: { scalerAddress: 'my-scaler.my-namespace:6000' } },
  parse: (input) => parseExternal(TYPE, input),
  metricSpecs: (_cfg, triggerIndex, metricType) => placeholderSpecs(TYPE, triggerIndex, metricType),
  // Activity is the server's IsActive answer, not a threshold (the reader sets it).
  activationThreshold: () => 0,
  createReader: (cfg, ctx) => lazyReader(TYPE, externalClients, () => createExternalReader(cfg, ctx, { type: TYPE, push: false }), { metricSpecs: true }),
});
