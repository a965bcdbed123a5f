// `external-push`: a KEDA external push scaler (pkg/scalers/external_scaler.go, externalPushScaler). As `external`,
// plus a StreamIsActive stream per trigger: an `active` event wakes the object's loop at once (KEDA's push scalers
// request a scale on it; inactive events are ignored and the poll scales in). The stream reconnects with backoff.
import { createExternalReader, externalClients, externalFields, parseExternal, placeholderSpecs, type ExternalConfig } from './common/external-scaler.ts';
import { lazyReader } from './common/lazy-client.ts';
import { defineScaler } from './scaler.ts';

export const TYPE = 'external-push';

export const descriptor = defineScaler<ExternalConfig>({
  type: TYPE,
  fields: externalFields,
  passThroughMetadata: true,
  example: { metadata: { scalerAddress: 'my-push-scaler.my-namespace:6000' } },
  parse: (input) => parseExternal(TYPE, input),
  metricSpecs: (_cfg, triggerIndex, metricType) => placeholderSpecs(TYPE, triggerIndex, metricType),
  activationThreshold: () => 0,
  createReader: (cfg, ctx) =>
    lazyReader(TYPE, externalClients, () => createExternalReader(cfg, ctx, { type: TYPE, push: true }), { metricSpecs: true, subscribe: true }),
});
