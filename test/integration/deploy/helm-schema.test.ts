// deploy/helm/updraft/values.schema.json: every values file a KEDA user has (the KEDA chart's own values.yaml of
// each recent release, kedacore/charts keda/values.yaml) and Updraft's own values render, and a typo or a wrongly
// typed value at any level fails `helm template` with helm's schema message naming the path.
// Helm is built by scripts/deps/helm.sh.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const chart = join(root, 'deploy', 'helm', 'updraft');
const helm = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'helm', 'v3.22.0', 'bin', 'helm');
const haveHelm = existsSync(helm);
const fixtures = join(root, 'test', 'integration', 'deploy', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'updraft-helm-schema-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `helm template` with value files and --set flags; the exit status and stderr (helm's schema message). */
function template(valueFiles: string[], sets: string[] = []): { status: number | null; stderr: string; stdout: string } {
  const args = ['template', 'updraft', chart, '--namespace', 'keda', '--kube-version', '1.37.0', ...valueFiles.flatMap((f) => ['-f', f]), ...sets.flatMap((s) => ['--set', s])];
  const r = spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}
let n = 0;
function valuesFile(yaml: string): string {
  const f = join(work, `values-${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

// The KEDA chart's values.yaml, unchanged: main (keda-values.yaml, commit 1444d00) and each release in keda-chart/.
const kedaFiles = [
  { name: 'KEDA chart main (1444d00)', file: join(fixtures, 'keda-values.yaml') },
  ...readdirSync(join(fixtures, 'keda-chart'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: `KEDA chart ${f.replace(/^values-|\.yaml$/g, '')}`, file: join(fixtures, 'keda-chart', f) })),
];
const seeds = readdirSync(join(root, 'examples', 'eks', 'install'))
  .filter((f) => /^values.*\.yaml$/.test(f))
  .map((f) => ({ name: `seed examples/eks/install/${f}`, file: join(root, 'examples', 'eks', 'install', f) }));

describe('values.schema.json', { skip: !haveHelm && `helm not built (${helm}); run scripts/deps/helm.sh` }, () => {
  describe('accepts every key of these values files', () => {
    const rows = [
      ...kedaFiles,
      { name: "Updraft's values.yaml", file: join(chart, 'values.yaml') },
      { name: "a platform team's KEDA overrides (fixtures/platform-values.yaml)", file: join(fixtures, 'platform-values.yaml') },
      ...seeds,
      {
        // kedacore/charts keda/templates read these; its values.yaml has them only as comments (or not at all).
        name: 'KEDA keys its templates read that its values.yaml leaves commented out',
        file: valuesFile(
          [
            'operator: { leaderElectionID: my-lease, hostUsers: false, dnsPolicy: ClusterFirstWithHostNet }',
            'metricsServer: { hostUsers: true }',
            'webhooks: { hostUsers: null }',
            'certificates: { operator: { apiServicePatching: { enabled: false }, caDirs: [/custom/ca] } }',
            'extraArgs: { webhooks: { v: 2 }, keda: { enable-opentelemetry-metrics: true } }',
            // Not minAvailable and maxUnavailable together: a PodDisruptionBudget takes one (the chart fails the render).
            'podDisruptionBudget: { minAvailable: 1, maxUnavailable: null, operator: { minAvailable: "50%" } }',
            'prometheus:',
            '  operator: { appProtocol: http, serviceMonitor: { namespace: monitoring } }',
            '  metricServer: { appProtocol: http, serviceMonitor: { namespace: monitoring } }',
            '  webhooks: { appProtocol: http, serviceMonitor: { namespace: monitoring } }',
            'serviceAccount: { create: true, name: keda-operator, automountServiceAccountToken: true, annotations: { a: b } }',
            'global: { image: { registry: mirror.example.com }, dnsConfig: { options: [{ name: ndots, value: "2" }] }, fromAParentChart: 1 }',
            'image: { keda: { tag: 2.17 }, metricsApiServer: { registry: null } }',
          ].join('\n'),
        ),
      },
      {
        name: 'free-form Kubernetes maps stay open (annotations, nodeSelector, affinity, securityContext, resources, env, extraObjects)',
        file: valuesFile(
          [
            'podAnnotations: { keda: { prometheus.io/scrape: "true" } }',
            'nodeSelector: { kubernetes.io/os: linux }',
            'affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }',
            'securityContext: { operator: { runAsUser: 1001, privileged: false } }',
            'podSecurityContext: { operator: { supplementalGroups: [1] } }',
            'resources: { operator: { limits: { cpu: 2, memory: 1Gi, ephemeral-storage: 1Gi }, requests: { cpu: 0.5 } } }',
            'env: [{ name: A, valueFrom: { fieldRef: { fieldPath: metadata.name } } }]',
            'upgradeStrategy: { operator: { type: RollingUpdate, rollingUpdate: { maxSurge: 1 } } }',
            'extraObjects: [{ apiVersion: v1, kind: ConfigMap, metadata: { name: extra }, data: { a: b } }]',
          ].join('\n'),
        ),
      },
    ];
    for (const row of rows) {
      test(row.name, () => {
        const r = template([row.file]);
        assert.equal(r.status, 0, `helm template -f ${row.file} failed:\n${r.stderr}`);
        assert.match(r.stdout, /kind: Deployment/, 'the operator Deployment is rendered');
      });
    }
  });

  describe('refuses a typo or a wrong type, naming the path', () => {
    const rows: Array<{ name: string; sets?: string[]; yaml?: string; want: RegExp }> = [
      { name: 'top-level typo', sets: ['repliCount=1'], want: /at '': additional properties 'repliCount' not allowed/ },
      { name: 'serviceAccount.operator.bogus', sets: ['serviceAccount.operator.bogus=1'], want: /at '\/serviceAccount\/operator': additional properties 'bogus' not allowed/ },
      { name: 'podIdentity.aws.irsa.rolArn (roleArn typo)', sets: ['podIdentity.aws.irsa.rolArn=arn:aws:iam::1:role/r'], want: /at '\/podIdentity\/aws\/irsa': additional properties 'rolArn' not allowed/ },
      { name: 'resources.operator.limits as a string', yaml: 'resources: { operator: { limits: 2Gi } }', want: /at '\/resources\/operator\/limits': got string, want object/ },
      { name: 'resources.operator.limit (limits typo)', yaml: 'resources: { operator: { limit: { cpu: 1 } } }', want: /at '\/resources\/operator': additional properties 'limit' not allowed/ },
      { name: 'resources.operator.limits.memory as a map', yaml: 'resources: { operator: { limits: { memory: { a: 1 } } } }', want: /at '\/resources\/operator\/limits\/memory': got object, want/ },
      { name: 'prometheus.operator.serviceMonitor.enabled: "yes"', yaml: 'prometheus: { operator: { serviceMonitor: { enabled: "yes" } } }', want: /at '\/prometheus\/operator\/serviceMonitor\/enabled': got string, want boolean/ },
      { name: 'prometheus.operator.serviceMonitor.interval as a number', yaml: 'prometheus: { operator: { serviceMonitor: { interval: 30 } } }', want: /at '\/prometheus\/operator\/serviceMonitor\/interval': got number, want string/ },
      { name: 'certificates.certManager.issuer.kind typo', sets: ['certificates.certManager.issuer.kind=ClusterIsuer'], want: /at '\/certificates\/certManager\/issuer\/kind': value must be one of 'Issuer', 'ClusterIssuer'/ },
      { name: 'certificates.certManager.issuer.kinds (key typo)', sets: ['certificates.certManager.issuer.kinds=Issuer'], want: /at '\/certificates\/certManager\/issuer': additional properties 'kinds' not allowed/ },
      { name: 'operator.replicaCount: "two"', yaml: 'operator: { replicaCount: two }', want: /at '\/operator\/replicaCount': got string, want integer/ },
      { name: 'operator.livenessProbe.initialDelaySecond (typo)', sets: ['operator.livenessProbe.initialDelaySecond=5'], want: /at '\/operator\/livenessProbe': additional properties 'initialDelaySecond' not allowed/ },
      { name: 'metricsServer.hostUser (KEDA key typo)', sets: ['metricsServer.hostUser=true'], want: /at '\/metricsServer': additional properties 'hostUser' not allowed/ },
      { name: 'logging.operator.levl', sets: ['logging.operator.levl=debug'], want: /at '\/logging\/operator': additional properties 'levl' not allowed/ },
      { name: 'webhooks.failurePolicy: fail', sets: ['webhooks.failurePolicy=fail'], want: /at '\/webhooks\/failurePolicy': value must be one of 'Ignore', 'Fail'/ },
      { name: 'image.updraft.tags', sets: ['image.updraft.tags=v1'], want: /at '\/image\/updraft': additional properties 'tags' not allowed/ },
      { name: 'podDisruptionBudget.operator.minAvailabe', sets: ['podDisruptionBudget.operator.minAvailabe=1'], want: /at '\/podDisruptionBudget\/operator': additional properties 'minAvailabe' not allowed/ },
      { name: 'rbac.scaledRefKinds[0].kinds', yaml: 'rbac: { scaledRefKinds: [{ apiGroup: apps, kinds: Deployment }] }', want: /at '\/rbac\/scaledRefKinds\/0'/ },
      { name: 'networkPolicy.cilium.operator.extraEgresRules (KEDA-only key typo)', sets: ['networkPolicy.cilium.operator.extraEgresRules=x'], want: /at '\/networkPolicy\/cilium\/operator': additional properties 'extraEgresRules' not allowed/ },
      { name: 'podAnnotations.keda value not a string', yaml: 'podAnnotations: { keda: { a: { b: 1 } } }', want: /at '\/podAnnotations\/keda\/a': got object, want string/ },
      { name: 'podAnnotations.operatr (component typo)', sets: ['podAnnotations.operatr.a=b'], want: /at '\/podAnnotations': additional properties 'operatr' not allowed/ },
      { name: 'extraArgs.keda value a map', yaml: 'extraArgs: { keda: { v: { a: 1 } } }', want: /at '\/extraArgs\/keda\/v': got object, want/ },
      { name: 'env not a list', yaml: 'env: { A: b }', want: /at '\/env': got object, want array/ },
      { name: 'volumes.keda.extraVolume (typo)', yaml: 'volumes: { keda: { extraVolume: [] } }', want: /at '\/volumes\/keda': additional properties 'extraVolume' not allowed/ },
      { name: 'http.keepAlive.enable (typo)', sets: ['http.keepAlive.enable=false'], want: /at '\/http\/keepAlive': additional properties 'enable' not allowed/ },
    ];
    for (const row of rows) {
      test(row.name, () => {
        const r = template(row.yaml === undefined ? [] : [valuesFile(row.yaml)], row.sets ?? []);
        assert.notEqual(r.status, 0, `helm template accepted ${row.sets?.join(' ') ?? row.yaml}`);
        assert.match(r.stderr, /values don't meet the specifications of the schema/, `helm's schema message, got:\n${r.stderr}`);
        assert.match(r.stderr, row.want, `the path in helm's message, got:\n${r.stderr}`);
      });
    }
  });

  // Every object the schema closes: an unknown key directly under it fails, naming it. Catches a closed object whose
  // template-side reader was forgotten as much as an open one that should be closed (the count is asserted).
  describe('an unknown key under each closed object fails naming that object', () => {
    type Node = { type?: string | string[]; properties?: Record<string, Node>; additionalProperties?: boolean | Node };
    const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as Node;
    const closed: string[][] = [];
    const walk = (node: Node, path: string[]) => {
      if (node.additionalProperties === false) closed.push(path);
      for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, [...path, k]);
    };
    walk(schema, []);
    test('the schema closes the top level and at least 80 nested objects', () => {
      assert.ok(closed.length > 80, `closed objects: ${closed.length}`);
    });
    for (const path of closed) {
      const at = path.length === 0 ? '' : `/${path.join('/')}`;
      test(at || '(top level)', () => {
        const r = template([], [[...path, 'notAKedaKey'].join('.') + '=1']);
        assert.notEqual(r.status, 0, `helm template accepted ${at}/notAKedaKey`);
        assert.match(r.stderr, new RegExp(`at '${at}': additional properties 'notAKedaKey' not allowed`), `helm's message names ${at || 'the top level'}, got:\n${r.stderr}`);
      });
    }
  });
});
