// The admission decisions for trigger metadata: warnings by default (KEDA admits these objects), denials with
// strictTriggers. The lookups are fakes (no other objects in the cluster); the API-server path is in
// test/integration/servers/aggregated-api.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KedaAdmissionValidator, type AdmissionLookups } from './admission-validator.ts';

const empty: AdmissionLookups = { scaledObjects: async () => [], hpas: async () => [] };
const Q = 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders';
const so = (trigger: Record<string, unknown>) => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'w', namespace: 'shop' },
  spec: { scaleTargetRef: { name: 'worker' }, triggers: [trigger] },
});
const request = (object: unknown) => ({
  uid: '1',
  kind: 'ScaledObject' as const,
  operation: 'CREATE' as const,
  namespace: 'shop',
  name: 'w',
  object,
  oldObject: null,
  dryRun: false,
  user: {},
});

const rows: Array<{ name: string; trigger: Record<string, unknown>; message?: RegExp }> = [
  {
    name: 'a typo of a known key',
    trigger: { type: 'aws-sqs-queue', metadata: { queueURL: Q, queuLength: '5', identityOwner: 'operator' } },
    message: /spec\.triggers\[0\]\.metadata\.queuLength: aws-sqs-queue has no parameter 'queuLength'; did you mean 'queueLength'\?/,
  },
  {
    name: 'a value that never parses',
    trigger: { type: 'prometheus', metadata: { serverAddress: 'http://p:9090', query: 'up', threshold: 'twenty-five' } },
    message: /spec\.triggers\[0\]\.metadata\.threshold: prometheus: threshold must be a number, got 'twenty-five'/,
  },
  {
    name: 'an unsupported trigger type',
    trigger: { type: 'no-such-scaler', metadata: { topic: 't' } },
    message: /spec\.triggers\[0\]\.type: trigger type 'no-such-scaler' is not supported by Updraft/,
  },
  {
    name: 'a valid trigger whose auth comes from a TriggerAuthentication (a note only)',
    trigger: { type: 'aws-cloudwatch', authenticationRef: { name: 'aws' }, metadata: { expression: 'SELECT AVG(x) FROM y', targetMetricValue: '5' } },
  },
];

describe('admission of trigger metadata', () => {
  for (const r of rows) {
    it(`${r.name}: ${r.message ? 'admitted with a warning by default' : 'admitted without warnings'}`, async () => {
      const res = await new KedaAdmissionValidator(empty).validate(request(so(r.trigger)));
      assert.equal(res.allowed, true);
      if (r.message)
        assert.ok(
          res.warnings?.some((w) => r.message!.test(w)),
          JSON.stringify(res.warnings),
        );
      else assert.deepEqual(res.warnings, []);
    });
    it(`${r.name}: ${r.message ? 'denied' : 'admitted'} with strictTriggers`, async () => {
      const res = await new KedaAdmissionValidator(empty, { strictTriggers: true }).validate(request(so(r.trigger)));
      assert.equal(res.allowed, !r.message);
      if (r.message) assert.match(res.message ?? '', r.message);
    });
  }
});
