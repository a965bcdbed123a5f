// KEDA's verifyCPUMemoryScalers in the admission webhook (apis/keda/v1alpha1/scaledobject_webhook.go and its
// test's cpu/memory rows): a cpu/memory trigger needs the resource requested (or limited) on every container of a
// Deployment/StatefulSet target, or on the named container, or a LimitRange default; an unreadable target is
// denied; other kinds and dry runs are not checked; cpu/memory-only objects need minReplicaCount ≥ 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LimitRangeLike, WorkloadLike } from '../api/cpu-memory-requests.ts';
import { KedaAdmissionValidator, type AdmissionLookups } from './admission-validator.ts';

type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
const deploy = (containers: Container[]): WorkloadLike => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { template: { spec: { containers } } },
});
const lookups = (workload: WorkloadLike | Error, limitRanges: LimitRangeLike[] = []): AdmissionLookups => ({
  scaledObjects: async () => [],
  hpas: async () => [],
  workload: async () => {
    if (workload instanceof Error) throw workload;
    return workload;
  },
  limitRanges: async () => limitRanges,
});
const so = (triggers: unknown[], extra: Record<string, unknown> = {}, kind = 'Deployment') => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'w', namespace: 'shop' },
  spec: { scaleTargetRef: { name: 'web', kind, apiVersion: kind === 'Deployment' ? 'apps/v1' : 'example.com/v1' }, minReplicaCount: 1, triggers, ...extra },
});
const cpu = (metadata: Record<string, string> = { value: '50' }) => ({ type: 'cpu', metricType: 'Utilization', metadata });
const mem = { type: 'memory', metricType: 'AverageValue', metadata: { value: '256Mi' } };
const sqs = { type: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/1/q', identityOwner: 'operator' } };
const req = (object: unknown, dryRun = false) => ({
  uid: '1',
  kind: 'ScaledObject' as const,
  operation: 'CREATE' as const,
  namespace: 'shop',
  name: 'w',
  object,
  oldObject: null,
  dryRun,
  user: {},
});

const rows: Array<{ name: string; object: unknown; lookups: AdmissionLookups; dryRun?: boolean; denied?: RegExp }> = [
  {
    name: 'cpu trigger, the container requests cpu: admitted',
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { cpu: '100m' } } }])),
  },
  {
    name: 'cpu trigger, only a cpu limit: admitted (KEDA accepts requests or limits)',
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app', resources: { limits: { cpu: '1' } } }])),
  },
  {
    name: "cpu trigger, no cpu request: denied with KEDA's message",
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { memory: '1Gi' } } }])),
    denied: /the scaledobject has a cpu trigger but the container app doesn't have the cpu request defined/,
  },
  {
    name: 'memory trigger, the second container lacks memory: denied naming it',
    object: so([mem]),
    lookups: lookups(deploy([{ name: 'a', resources: { requests: { memory: '1Gi' } } }, { name: 'sidecar' }])),
    denied: /memory trigger but the container sidecar doesn't have the memory request defined/,
  },
  {
    name: 'a zero request does not count',
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { cpu: '0' } } }])),
    denied: /container app doesn't have the cpu request/,
  },
  {
    name: 'containerName: only that container is checked',
    object: so([cpu({ value: '50', containerName: 'app' })]),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { cpu: '100m' } } }, { name: 'sidecar' }])),
  },
  {
    name: 'a LimitRange with a default cpu request for containers: admitted',
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app' }]), [{ spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] } }]),
  },
  {
    name: 'a LimitRange of type Pod does not count',
    object: so([cpu()]),
    lookups: lookups(deploy([{ name: 'app' }]), [{ spec: { limits: [{ type: 'Pod', defaultRequest: { cpu: '100m' } }] } }]),
    denied: /doesn't have the cpu request/,
  },
  {
    name: 'the target cannot be read: denied (KEDA returns the lookup error)',
    object: so([cpu()]),
    lookups: lookups(new Error('deployments.apps "web" not found')),
    denied: /cannot check the cpu\/memory requests of apps\/v1\.Deployment shop\/web: deployments\.apps "web" not found/,
  },
  { name: 'another kind of target is not checked', object: so([cpu()], {}, 'Rollout'), lookups: lookups(new Error('never read')) },
  { name: 'a dry run is not checked', object: so([cpu()]), lookups: lookups(deploy([{ name: 'app' }])), dryRun: true },
  { name: 'no cpu/memory trigger: the target is not read', object: so([sqs]), lookups: lookups(new Error('never read')) },
  {
    name: 'cpu-only with minReplicaCount 0: denied (scale to zero cannot work)',
    object: so([cpu()], { minReplicaCount: 0 }),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { cpu: '1' } } }])),
    denied: /scaledobject has only cpu\/memory triggers AND minReplica is 0/,
  },
  {
    name: 'cpu plus an event trigger with minReplicaCount 0: admitted',
    object: so([cpu(), sqs], { minReplicaCount: 0 }),
    lookups: lookups(deploy([{ name: 'app', resources: { requests: { cpu: '1' } } }])),
  },
];

describe('admission: cpu/memory triggers need the resource requested (KEDA verifyCPUMemoryScalers)', () => {
  for (const r of rows) {
    it(r.name, async () => {
      const res = await new KedaAdmissionValidator(r.lookups).validate(req(r.object, r.dryRun));
      assert.equal(res.allowed, !r.denied, res.message);
      if (r.denied) assert.match(res.message ?? '', r.denied);
    });
  }
});
