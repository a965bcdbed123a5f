// `updraft validate` applies KEDA's cpu/memory request rule (scaledobject_webhook.go verifyCPUMemoryScalers) when
// the target Deployment/StatefulSet (and LimitRanges) are in the same input; without them nothing is claimed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTexts } from './validate.ts';

const so = (trigger: string) => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 1
  triggers:
  - ${trigger}
`;
const deploy = (resources: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx
        resources: ${resources}
`;
const lr = `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m}
`;
const cpu = "{type: cpu, metricType: Utilization, metadata: {value: '50'}}";

const rows: Array<[string, string[], RegExp | undefined]> = [
  ['the Deployment requests cpu: valid', [so(cpu), deploy('{requests: {cpu: 200m}}')], undefined],
  [
    "the Deployment has no cpu request: KEDA's error",
    [so(cpu), deploy('{requests: {memory: 1Gi}}')],
    /the scaledobject has a cpu trigger but the container app doesn't have the cpu request defined/,
  ],
  ['a LimitRange in the input defaults it: valid', [so(cpu), deploy('{}'), lr], undefined],
  ['the workload is not in the input: nothing is claimed', [so(cpu)], undefined],
  [
    'the memory trigger is checked for memory',
    [so('{type: memory, metricType: AverageValue, metadata: {value: 256Mi}}'), deploy('{requests: {cpu: 1}}')],
    /memory trigger but the container app doesn't have the memory request defined/,
  ],
];

describe('validate: cpu/memory triggers against the workload given alongside', () => {
  for (const [name, texts, want] of rows) {
    it(name, () => {
      const r = validateTexts(texts.map((text, i) => ({ name: `f${i}.yaml`, text })));
      const errors = r.problems.filter((p) => p.severity === 'error');
      if (want)
        assert.ok(
          errors.some((p) => want.test(p.message)),
          JSON.stringify(errors),
        );
      else assert.deepEqual(errors, []);
    });
  }
});
