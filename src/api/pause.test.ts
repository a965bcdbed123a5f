import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePausedReplicas, type PausedReplicas } from './pause.ts';

const KEY = 'autoscaling.keda.sh/paused-replicas';

// KEDA GetPausedReplicaCount (apis/keda/v1alpha1/scaledobject_types.go): strconv.ParseInt(v, 10, 32), untrimmed.
describe('paused-replicas: the one parser (validate, the engine and the operator use it)', () => {
  const rows: Array<[string | undefined, PausedReplicas | undefined]> = [
    [undefined, undefined],
    ['0', { replicas: 0 }],
    ['4', { replicas: 4 }],
    ['+4', { replicas: 4 }],
    ['007', { replicas: 7 }],
    ['2147483647', { replicas: 2147483647 }],
    ['2147483648', { error: `${KEY} is out of the int32 range: 2147483648` }],
    ['-1', { error: `${KEY} must not be negative, got -1` }],
    ['three', { error: `${KEY} must be an integer, got "three"` }],
    ['1.5', { error: `${KEY} must be an integer, got "1.5"` }],
    ['', { error: `${KEY} must be an integer, got ""` }],
    // disagreement with the old engine/scale-decision.ts parser, which trimmed: Go's ParseInt does not
    [' 2', { error: `${KEY} must be an integer, got " 2"` }],
    ['2 ', { error: `${KEY} must be an integer, got "2 "` }],
  ];
  for (const [value, want] of rows) {
    test(`${JSON.stringify(value)} → ${JSON.stringify(want)}`, () => assert.deepEqual(parsePausedReplicas(value === undefined ? {} : { [KEY]: value }), want));
  }
});
