// The Helm chart renders (with helm built by scripts/deps/helm.sh) into objects a real API server accepts
// (`kubectl apply --dry-run=server`), and its options change what is installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:tls';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { freePort } from '../../support/free-port.ts';
import { certFactory } from '../../support/openssl-certs.ts';
import { eventually, waitFor } from '../../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const chart = join(root, 'deploy', 'helm', 'updraft');
const helm = join(process.env.UPDRAFT_CACHE ?? join(homedir(), '.cache', 'updraft'), 'helm', 'v3.22.0', 'bin', 'helm');
const haveHelm = existsSync(helm);

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [key: string]: unknown;
}

function render(sets: string[] = [], valueFiles: string[] = []): { text: string; docs: Doc[] } {
  const text = execFileSync(helm, ['template', 'updraft', chart, '--namespace', 'updraft-system', '--kube-version', '1.37.0', ...valueFiles.flatMap((f) => ['-f', f]), ...sets.flatMap((s) => ['--set', s])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
  return { text, docs };
}
const fixtures = join(root, 'test', 'integration', 'deploy', 'fixtures');
const kedaValues = join(fixtures, 'keda-values.yaml');
const platformValues = join(fixtures, 'platform-values.yaml');
/** helm's error text of a render that fails (the schema's message). */
function renderError(sets: string[]): string {
  try {
    render(sets);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  return '';
}
type PodSpec = { tolerations?: Array<{ key: string }>; nodeSelector?: Record<string, string>; serviceAccountName: string; containers: Array<{ args: string[]; env: Array<{ name: string; value?: string }>; resources: { requests: Record<string, string> } }> };
const podOf = (docs: Doc[], name: string) => (find(docs, 'Deployment', name)[0] as Doc & { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const find = (docs: Doc[], kind: string, name?: string) => docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

test('the chart ships the same CRDs as deploy/crds', () => {
  const source = join(root, 'deploy', 'crds');
  const copy = join(chart, 'files', 'crds');
  assert.deepEqual(readdirSync(copy).sort(), readdirSync(source).sort(), 'run: cp deploy/crds/*.yaml deploy/helm/updraft/files/crds/');
  for (const f of readdirSync(source)) assert.equal(readFileSync(join(copy, f), 'utf8'), readFileSync(join(source, f), 'utf8'), `${f} differs; copy deploy/crds/ into the chart`);
});

describe('rendered chart', { skip: !haveHelm && `helm not built (${helm}); run scripts/deps/helm.sh` }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await cp.kubectl(['create', 'namespace', 'updraft-system']);
  });
  after(async () => {
    await cp?.stop();
  });
  /**
   * `updraft operator` with exactly the rendered container's args and env, for a run here: only each
   * `--*-bind-address=:N` moves to a free loopback port, and a flag value under a mount path (`--cert-dir=/certs`,
   * `--otlp-grpc-tls-cert-file=/var/run/updraft/otlp-grpc-tls/tls.crt`) to the local folder `mounts` gives for it.
   */
  const operatorRun = async (docs: Doc[], mounts: Record<string, string>) => {
    const container = (find(docs, 'Deployment', 'updraft-operator')[0] as Doc & { spec: { template: { spec: { containers: Array<{ args: string[]; env: Array<{ name: string; value?: string }> }> } } } }).spec.template.spec.containers[0];
    assert.equal(container.args[0], 'operator');
    const ports = new Map<string, number>();
    const args: string[] = [];
    for (const a of container.args.slice(1)) {
      const m = /^(--[a-z-]+-bind-address)=:(\d+)$/.exec(a);
      const mount = Object.keys(mounts).find((dir) => a.includes(`=${dir}`));
      if (m) {
        const port = await freePort();
        ports.set(m[1], port);
        args.push(`${m[1]}=127.0.0.1:${port}`);
      } else args.push(mount ? a.replace(`=${mount}`, `=${mounts[mount]}`) : a);
    }
    const env: Record<string, string> = { ...process.env, POD_NAMESPACE: 'updraft-system', POD_NAME: 'updraft-operator-0' } as Record<string, string>;
    for (const e of container.env) if (e.value !== undefined) env[e.name] = e.value;
    return { argv: [join(root, 'bin', 'updraft.js'), 'operator', ...args, '--kubeconfig', cp.kubeconfig], env, ports };
  };
  /** A folder with tls.crt/tls.key for 127.0.0.1 from the control plane's CA: what the chart's `certificates` mount holds. */
  const servingCertDir = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-chart-certs-'));
    const cert = await cp.issueServingCert('updraft-operator', ['127.0.0.1']);
    copyFileSync(cert.certFile, join(dir, 'tls.crt'));
    copyFileSync(cert.keyFile, join(dir, 'tls.key'));
    return dir;
  };
  /** Runs the operator while `body` runs (a failure carries the operator's output), then stops it; returns its output. */
  const whileOperatorRuns = async (run: { argv: string[]; env: Record<string, string> }, body: () => Promise<void>): Promise<string> => {
    const child = spawn(process.execPath, run.argv, { env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      await body();
    } catch (err) {
      throw new Error(`${(err as Error).message}\noperator output:\n${output}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    return output;
  };

  test('default values: operator, services, APIService, webhook, RBAC and CRDs, all accepted by the API server', async () => {
    const { text, docs } = render();
    const deployment = find(docs, 'Deployment', 'updraft-operator')[0] as Doc & { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Array<{ securityContext: Record<string, unknown>; ports: Array<{ name: string }> }> } } } };
    assert.ok(deployment, 'operator Deployment');
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(pod.containers[0].ports.map((p) => p.name), ['metrics', 'probes', 'metrics-api', 'webhook']);
    assert.equal(find(docs, 'APIService', 'v1beta1.external.metrics.k8s.io').length, 1);
    assert.equal(find(docs, 'ValidatingWebhookConfiguration', 'updraft-admission').length, 1);
    assert.equal(find(docs, 'CustomResourceDefinition').length, 4);
    const bindings = find(docs, 'ClusterRoleBinding').map((b) => (b as Doc & { roleRef: { name: string } }).roleRef.name);
    assert.ok(bindings.includes('system:auth-delegator'));
    assert.ok(find(docs, 'RoleBinding').some((b) => (b as Doc & { roleRef: { name: string } }).roleRef.name === 'extension-apiserver-authentication-reader'));
    const out = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: text });
    assert.match(out, /deployment.apps\/updraft-operator created \(server dry run\)/);
    assert.match(out, /apiservice.apiregistration.k8s.io\/v1beta1.external.metrics.k8s.io created \(server dry run\)/);
  });

  test('direct mode registers no APIService; IRSA annotates the ServiceAccount; webhooks can be turned off', async () => {
    const direct = render(['mode=direct']).docs;
    assert.equal(find(direct, 'APIService').length, 0);
    assert.equal(find(direct, 'Service', 'updraft-operator-metrics-apiserver').length, 1, 'the metrics API is still served');
    const forced = render(['mode=direct', 'metricsServer.forceAPIService=true']).docs;
    assert.equal(find(forced, 'APIService').length, 1);

    const irsa = render(['podIdentity.aws.irsa.enabled=true', 'podIdentity.aws.irsa.roleArn=arn:aws:iam::123456789012:role/updraft']);
    const sa = find(irsa.docs, 'ServiceAccount', 'updraft-operator')[0];
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/updraft');
    assert.throws(() => render(['podIdentity.aws.irsa.enabled=true']), /podIdentity.aws.irsa.roleArn is required/);

    const noHooks = render(['webhooks.enabled=false', 'crds.install=false']).docs;
    assert.equal(find(noHooks, 'ValidatingWebhookConfiguration').length, 0);
    assert.equal(find(noHooks, 'CustomResourceDefinition').length, 0);
    const out = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: irsa.text });
    assert.match(out, /serviceaccount\/updraft-operator created \(server dry run\)/);
  });

  test("KEDA's own values.yaml plus a platform team's KEDA overrides: role annotation, monitors, scheduling, flags and env; the API server accepts it", async () => {
    const { text, docs } = render([], [kedaValues, platformValues]);
    const sa = find(docs, 'ServiceAccount', 'keda-operator')[0];
    assert.ok(sa, 'the flat serviceAccount.name names the ServiceAccount');
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/keda-operator');
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/audience'], 'sts.amazonaws.com');
    const sm = find(docs, 'ServiceMonitor', 'keda-operator')[0] as Doc & { spec: { endpoints: Array<{ port: string; interval: string }>; selector: { matchLabels: Record<string, string> } } };
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.interval]), [['metrics', '30s']]);
    const svc = find(docs, 'Service', 'keda-operator')[0];
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels?.[k], v, `the ServiceMonitor selects the operator Service (${k})`);
    assert.equal(find(docs, 'PodMonitor', 'keda-operator').length, 1);
    const rule = find(docs, 'PrometheusRule', 'keda-operator')[0] as Doc & { spec: { groups: Array<{ rules: Array<{ alert: string }> }> } };
    assert.equal(rule.spec.groups[0].rules[0].alert, 'KedaScalerErrors');
    const pod = podOf(docs, 'keda-operator');
    assert.equal(pod.serviceAccountName, 'keda-operator');
    assert.deepEqual(pod.tolerations?.map((t) => t.key), ['dedicated']);
    assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux' });
    const c = pod.containers[0];
    assert.equal(c.resources.requests.cpu, '200m');
    // hygiene: allow-table several checks of ONE rendered container
    for (const a of ['--kube-api-qps=50', '--kube-api-burst=100', '--zap-log-level=debug', '--zap-encoder=json', '--zap-time-encoding=iso8601']) assert.ok(c.args.includes(a), `${a} in ${c.args.join(' ')}`);
    assert.equal(c.env.find((e) => e.name === 'KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES')?.value, '10');
    assert.equal(c.env.find((e) => e.name === 'KEDA_HTTP_DEFAULT_TIMEOUT')?.value, '3000');
    // The monitoring.coreos.com CRDs are not on this API server: everything else must be accepted.
    const core = docs.filter((d) => !d.apiVersion.startsWith('monitoring.coreos.com/'));
    const out = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: core.map((d) => JSON.stringify(d)).join('\n') });
    assert.match(out, /deployment.apps\/keda-operator created \(server dry run\)/);
    assert.ok(text.length > 0);
  });

  test('legacy flat serviceAccount keys: create=false + name uses an existing ServiceAccount; flat annotations reach it', () => {
    const existing = render(['serviceAccount.create=false', 'serviceAccount.name=my-irsa-sa']).docs;
    assert.equal(find(existing, 'ServiceAccount').length, 0);
    assert.equal(podOf(existing, 'updraft-operator').serviceAccountName, 'my-irsa-sa');
    const binding = find(existing, 'ClusterRoleBinding', 'updraft-operator')[0] as Doc & { subjects: Array<{ name: string }> };
    assert.equal(binding.subjects[0].name, 'my-irsa-sa');
    const annotated = render(['serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::1:role/r']).docs;
    assert.equal(find(annotated, 'ServiceAccount', 'updraft-operator')[0].metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::1:role/r');
  });

  test('otlpReceiver.enabled: the otlp Service has otlp-http 4318 and otlp-grpc 4317, the operator both bind flags; grpcPort 0 drops gRPC', () => {
    type Svc = Doc & { spec: { ports: Array<{ name: string; port: number; targetPort: string; appProtocol?: string }> } };
    const ports = (docs: Doc[]) => (find(docs, 'Service', 'updraft-operator-otlp')[0] as Svc).spec.ports.map((p) => `${p.name}:${p.port}:${p.targetPort}:${p.appProtocol}`);
    const args = (docs: Doc[]) => (podOf(docs, 'updraft-operator').containers as Array<{ args: string[] }>)[0].args.filter((a) => a.startsWith('--otlp'));
    const both = render(['otlpReceiver.enabled=true']).docs;
    assert.deepEqual(ports(both), ['otlp-http:4318:otlp-http:http', 'otlp-grpc:4317:otlp-grpc:grpc']);
    assert.deepEqual(args(both), ['--otlp-http-bind-address=:4318', '--otlp-grpc-bind-address=:4317']);
    const httpOnly = render(['otlpReceiver.enabled=true', 'otlpReceiver.grpcPort=0']).docs;
    assert.deepEqual(ports(httpOnly), ['otlp-http:4318:otlp-http:http']);
    assert.deepEqual(args(httpOnly), ['--otlp-http-bind-address=:4318']);
  });

  // KEDA's chart renders the operator's PodDisruptionBudget from the legacy flat podDisruptionBudget.minAvailable /
  // maxUnavailable and from podDisruptionBudget.operator, written after them so its keys win (kedacore/charts
  // keda/templates/manager/poddisruptionbudget.yaml; metrics-server/ and webhooks/ alike: Updraft's one pod is all three).
  type Pdb = Doc & { spec: { minAvailable?: number | string; maxUnavailable?: number | string; unhealthyPodEvictionPolicy?: string; selector: { matchLabels: Record<string, string> } } };
  const pdbSpec = (docs: Doc[]) => {
    const pdbs = find(docs, 'PodDisruptionBudget') as Pdb[];
    if (pdbs.length === 0) return undefined;
    assert.deepEqual(pdbs.map((p) => p.metadata.name), ['updraft-operator'], 'one PodDisruptionBudget, the operator\'s');
    const { selector, ...rest } = pdbs[0].spec;
    assert.deepEqual(selector.matchLabels, (find(docs, 'Deployment', 'updraft-operator')[0] as Doc & { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels, 'it selects the operator pods');
    return rest;
  };
  const pdbRows: Array<{ name: string; sets: string[]; want: Record<string, number | string> | undefined }> = [
    { name: 'none set: no PodDisruptionBudget', sets: [], want: undefined },
    { name: 'flat minAvailable', sets: ['podDisruptionBudget.minAvailable=1'], want: { minAvailable: 1 } },
    { name: 'flat maxUnavailable as a percentage', sets: ['podDisruptionBudget.maxUnavailable=50%'], want: { maxUnavailable: '50%' } },
    { name: 'operator.maxUnavailable wins over the flat one', sets: ['podDisruptionBudget.maxUnavailable=1', 'podDisruptionBudget.operator.maxUnavailable=2'], want: { maxUnavailable: 2 } },
    {
      name: 'flat minAvailable with operator.unhealthyPodEvictionPolicy',
      sets: ['podDisruptionBudget.minAvailable=1', 'podDisruptionBudget.operator.unhealthyPodEvictionPolicy=AlwaysAllow'],
      want: { minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    },
    { name: 'operator.minAvailable alone', sets: ['podDisruptionBudget.operator.minAvailable=2'], want: { minAvailable: 2 } },
    // KEDA's template tests each key with `if`, which takes 0 for unset.
    { name: 'flat minAvailable 0 counts as unset, as in KEDA', sets: ['podDisruptionBudget.minAvailable=0'], want: undefined },
  ];
  for (const row of pdbRows) {
    test(`podDisruptionBudget: ${row.name}`, () => {
      assert.deepEqual(pdbSpec(render(row.sets).docs), row.want);
    });
  }
  test('podDisruptionBudget: flat minAvailable with operator.maxUnavailable fails the render naming both (a PDB takes one)', () => {
    assert.match(renderError(['podDisruptionBudget.minAvailable=1', 'podDisruptionBudget.operator.maxUnavailable=1']), /podDisruptionBudget: minAvailable \(1\) and maxUnavailable \(1\) are both set/);
  });
  test("podDisruptionBudget: the flat keys' PodDisruptionBudget is accepted by the API server", async () => {
    const { docs } = render(['podDisruptionBudget.maxUnavailable=1']);
    const out = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(find(docs, 'PodDisruptionBudget')[0]) });
    assert.match(out, /poddisruptionbudget.policy\/updraft-operator created \(server dry run\)/);
  });

  describe('otlpReceiver.grpcTLS: the OTLP/gRPC receiver serves TLS (mTLS with caKey) from a Secret you manage', () => {
    const on = ['otlpReceiver.enabled=true', 'otlpReceiver.grpcTLS.existingSecret=otlp-tls'];
    type Pod = PodSpec & { volumes: Array<{ name: string; projected?: { sources: Array<{ secret: { name: string; items: Array<{ key: string; path: string }> } }> } }> };
    const tlsOf = (docs: Doc[]) => {
      const pod = podOf(docs, 'updraft-operator') as Pod & { containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string }> }> };
      return {
        flags: pod.containers[0].args.filter((a) => a.startsWith('--otlp-grpc-tls-')),
        mount: pod.containers[0].volumeMounts.find((m) => m.name === 'otlp-grpc-tls')?.mountPath,
        secrets: pod.volumes.find((v) => v.name === 'otlp-grpc-tls')?.projected?.sources.map((x) => `${x.secret.name}: ${x.secret.items.map((i) => `${i.key}>${i.path}`).join(' ')}`),
      };
    };
    const dir = '/var/run/updraft/otlp-grpc-tls';
    const tlsFlags = [`--otlp-grpc-tls-cert-file=${dir}/tls.crt`, `--otlp-grpc-tls-key-file=${dir}/tls.key`];
    const rows: Array<{ name: string; sets: string[]; want: ReturnType<typeof tlsOf> }> = [
      { name: 'existingSecret: TLS from its tls.crt and tls.key', sets: on, want: { flags: tlsFlags, mount: dir, secrets: ['otlp-tls: tls.crt>tls.crt tls.key>tls.key'] } },
      {
        name: 'caKey: mTLS, the client CA from the same Secret',
        sets: [...on, 'otlpReceiver.grpcTLS.caKey=ca.crt'],
        want: { flags: [...tlsFlags, `--otlp-grpc-tls-ca-file=${dir}/ca.crt`], mount: dir, secrets: ['otlp-tls: tls.crt>tls.crt tls.key>tls.key ca.crt>ca.crt'] },
      },
      {
        name: 'caSecret with caKey: the client CA from its own Secret',
        sets: [...on, 'otlpReceiver.grpcTLS.caKey=ca.pem', 'otlpReceiver.grpcTLS.caSecret=collector-ca'],
        want: { flags: [...tlsFlags, `--otlp-grpc-tls-ca-file=${dir}/ca.crt`], mount: dir, secrets: ['otlp-tls: tls.crt>tls.crt tls.key>tls.key', 'collector-ca: ca.pem>ca.crt'] },
      },
      {
        name: 'certKey and keyKey name other keys of the Secret',
        sets: [...on, 'otlpReceiver.grpcTLS.certKey=cert.pem', 'otlpReceiver.grpcTLS.keyKey=key.pem'],
        want: { flags: tlsFlags, mount: dir, secrets: ['otlp-tls: cert.pem>tls.crt key.pem>tls.key'] },
      },
      { name: 'no existingSecret: plaintext gRPC, nothing mounted', sets: ['otlpReceiver.enabled=true'], want: { flags: [], mount: undefined, secrets: undefined } },
      { name: 'the receiver off: grpcTLS renders nothing', sets: ['otlpReceiver.grpcTLS.existingSecret=otlp-tls'], want: { flags: [], mount: undefined, secrets: undefined } },
    ];
    for (const row of rows) {
      test(row.name, () => {
        assert.deepEqual(tlsOf(render(row.sets).docs), row.want);
      });
    }
    const refused: Array<{ name: string; sets: string[]; want: RegExp }> = [
      { name: 'caKey without existingSecret', sets: ['otlpReceiver.enabled=true', 'otlpReceiver.grpcTLS.caKey=ca.crt'], want: /otlpReceiver.grpcTLS.caKey \(mTLS\) needs otlpReceiver.grpcTLS.existingSecret/ },
      { name: 'caSecret without caKey', sets: [...on, 'otlpReceiver.grpcTLS.caSecret=collector-ca'], want: /otlpReceiver.grpcTLS.caSecret is set without caKey: set otlpReceiver.grpcTLS.caKey/ },
      { name: 'existingSecret with grpcPort 0', sets: [...on, 'otlpReceiver.grpcPort=0'], want: /otlpReceiver.grpcTLS.existingSecret is set but otlpReceiver.grpcPort is 0/ },
      { name: 'a typo under grpcTLS (values.schema.json)', sets: [...on, 'otlpReceiver.grpcTLS.caFile=ca.crt'], want: /at '\/otlpReceiver\/grpcTLS': additional properties 'caFile' not allowed/ },
    ];
    for (const row of refused) {
      test(`refused: ${row.name}`, () => {
        assert.match(renderError(row.sets), row.want);
      });
    }
    test('the API server accepts the mTLS Deployment (projected volume from two Secrets)', async () => {
      const { docs } = render([...on, 'otlpReceiver.grpcTLS.caKey=ca.pem', 'otlpReceiver.grpcTLS.caSecret=collector-ca']);
      const out = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(find(docs, 'Deployment', 'updraft-operator')[0]) });
      assert.match(out, /deployment.apps\/updraft-operator created \(server dry run\)/);
    });
  });

  test('monitors render only with prometheus.operator.enabled, as in the KEDA chart', () => {
    const off = render(['prometheus.operator.serviceMonitor.enabled=true', 'prometheus.operator.podMonitor.enabled=true', 'prometheus.operator.prometheusRules.enabled=true']).docs;
    assert.equal(off.filter((d) => d.apiVersion.startsWith('monitoring.coreos.com/')).length, 0);
    const on = render(['prometheus.operator.enabled=true', 'prometheus.operator.serviceMonitor.enabled=true']).docs;
    assert.deepEqual(on.filter((d) => d.apiVersion.startsWith('monitoring.coreos.com/')).map((d) => d.kind), ['ServiceMonitor']);
  });

  // Certificates (docs/operator.md "Certificates"): one row per mode.
  const certDocs = (docs: Doc[]) => ({
    issuers: find(docs, 'Issuer') as Array<Doc & { spec: { selfSigned?: object; ca?: { secretName: string } } }>,
    certificates: find(docs, 'Certificate') as Array<
      Doc & { spec: { isCA?: boolean; secretName: string; dnsNames?: string[]; duration: string; renewBefore: string; issuerRef: { name: string; kind: string; group: string } } }
    >,
    injected: [...find(docs, 'APIService'), ...find(docs, 'ValidatingWebhookConfiguration')].map((d) => d.metadata.annotations?.['cert-manager.io/inject-ca-from']),
  });
  test('certificates.autoGenerated (the default): no key material rendered, the operator rotates its own (KEDA flags), RBAC for the one Secret and the two caBundles', () => {
    const { text, docs } = render();
    assert.doesNotMatch(text, /PRIVATE KEY|BEGIN CERTIFICATE|tls\.key:|caBundle: /);
    assert.equal(find(docs, 'Secret', 'updraft-certs').length, 0);
    const pod = podOf(docs, 'updraft-operator') as PodSpec & { volumes: Array<{ name: string }> };
    // hygiene: allow-table several checks of ONE rendered container
    for (const a of ['--enable-cert-rotation=true', '--cert-secret-name=updraft-certs', '--metrics-server-service-name=updraft-operator-metrics-apiserver', '--webhooks-service-name=updraft-admission-webhooks', '--validating-webhook-name=updraft-admission', '--enable-apiservice-patching=true', '--cert-renew-before=2160h'])
      assert.ok(pod.containers[0].args.includes(a), `${a} in ${pod.containers[0].args.join(' ')}`);
    assert.ok(!pod.volumes.some((v) => v.name === 'certificates'), 'the Secret is the operator\'s store, not mounted');
    const role = find(docs, 'Role', 'updraft-operator')[0] as Doc & { rules: Array<{ resources: string[]; resourceNames?: string[]; verbs: string[] }> };
    assert.ok(role.rules.some((r) => r.resources.includes('secrets') && r.resourceNames?.join() === 'updraft-certs' && r.verbs.includes('update')), 'the Role writes the one Secret by name');
    const cr = find(docs, 'ClusterRole', 'updraft-operator')[0] as Doc & { rules: Array<{ resources: string[]; resourceNames?: string[]; verbs: string[] }> };
    assert.ok(cr.rules.some((r) => r.resources.includes('apiservices') && r.resourceNames?.join() === 'v1beta1.external.metrics.k8s.io' && r.verbs.includes('patch')), 'patch the one APIService');
    assert.ok(cr.rules.some((r) => r.resources.includes('validatingwebhookconfigurations') && r.resourceNames?.join() === 'updraft-admission' && r.verbs.includes('patch')), 'patch the one webhook configuration');
    assert.deepEqual(certDocs(docs).certificates, []);
    const direct = podOf(render(['mode=direct']).docs, 'updraft-operator');
    assert.ok(direct.containers[0].args.includes('--enable-apiservice-patching=false'), 'no APIService in direct mode: nothing to patch');
  });
  test("KEDA's own values.yaml with certManager.enabled: the full issuer chain (self-signed Issuer → CA Certificate → CA Issuer → serving Certificate) and inject-ca-from", () => {
    const { docs } = render(['certificates.certManager.enabled=true'], [kedaValues]);
    const c = certDocs(docs);
    assert.deepEqual(c.issuers.map((i) => [i.metadata.name, i.spec.selfSigned ? 'selfSigned' : `ca:${i.spec.ca?.secretName}`]).sort(), [
      ['keda-operator-issuer', 'ca:kedaorg-ca'],
      ['keda-operator-selfsigned-issuer', 'selfSigned'],
    ]);
    const ca = c.certificates.find((x) => x.metadata.name === 'keda-operator-ca')!;
    assert.equal(ca.spec.isCA, true);
    assert.equal(ca.spec.secretName, 'kedaorg-ca');
    assert.equal(ca.spec.issuerRef.name, 'keda-operator-selfsigned-issuer');
    const serving = c.certificates.find((x) => x.metadata.name === 'keda-operator-tls-certificates')!;
    assert.equal(serving.spec.secretName, 'kedaorg-certs');
    assert.deepEqual([serving.spec.duration, serving.spec.renewBefore], ['8760h0m0s', '5840h0m0s']);
    assert.deepEqual(serving.spec.issuerRef, { name: 'keda-operator-issuer', kind: 'Issuer', group: 'cert-manager.io' });
    // The Services' names: metricsServer.name (the chart's own key), webhooks.name and operator.name from KEDA's file.
    // hygiene: allow-table several names of ONE rendered Certificate
    for (const name of ['updraft-operator-metrics-apiserver.updraft-system.svc', 'keda-admission-webhooks.updraft-system.svc.cluster.local', 'keda-operator.updraft-system.svc'])
      assert.ok(serving.spec.dnsNames?.includes(name), `${name} in ${serving.spec.dnsNames?.join(' ')}`);
    assert.deepEqual(c.injected, ['updraft-system/keda-operator-tls-certificates', 'updraft-system/keda-operator-tls-certificates']);
    const pod = podOf(docs, 'keda-operator') as PodSpec & { volumes: Array<{ name: string; secret?: { secretName: string } }> };
    assert.ok(pod.containers[0].args.includes('--enable-cert-rotation=false'), 'cert-manager owns the Secret');
    assert.equal(pod.volumes.find((v) => v.name === 'certificates')?.secret?.secretName, 'kedaorg-certs');
  });
  test('certManager with issuer.generate=false: only the serving Certificate, from the configured ClusterIssuer', () => {
    const { docs } = render(['certificates.certManager.enabled=true', 'certificates.certManager.issuer.generate=false', 'certificates.certManager.issuer.name=corp-ca']);
    const c = certDocs(docs);
    assert.deepEqual(c.issuers, []);
    assert.deepEqual(c.certificates.map((x) => x.metadata.name), ['updraft-operator-tls-certificates']);
    assert.deepEqual(c.certificates[0].spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });
  test('values.schema.json: a certificates.rotation duration that is not one is refused with its path', () => {
    assert.match(renderError(['certificates.rotation.validity=1y']), /\/certificates\/rotation\/validity/);
  });
  test('values.schema.json: an unknown top-level key is refused by name', () => {
    assert.match(renderError(['replicas=3']), /additional properties 'replicas' not allowed/);
  });
  test('values.schema.json: an ill-typed value is refused with its path', () => {
    assert.match(renderError(['http.timeout=3s']), /at '\/http\/timeout': got string, want integer/);
  });
  test('values.schema.json: an unknown log format is refused', () => {
    assert.match(renderError(['logging.operator.format=text']), /\/logging\/operator\/format/);
  });

  test('the operator runs with exactly the args and env the chart gives it: probes, /metrics, metrics API and webhook listen', async (t) => {
    const { docs } = render();
    const certDir = await servingCertDir();
    const { argv, env, ports } = await operatorRun(docs, { '/certs': certDir });
    assert.deepEqual([...ports.keys()].sort(), ['--health-probe-bind-address', '--metrics-api-bind-address', '--metrics-bind-address', '--webhook-bind-address']);
    // Before the CRDs exist the operator stops at once with what to do, instead of waiting on a watch.
    const early = spawnSync(process.execPath, argv, { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(early.status, 1);
    assert.match(early.stderr, /^updraft: the keda.sh\/v1alpha1 CRDs are not installed .*kubectl apply -f deploy\/crds\//m);
    for (const f of readdirSync(join(root, 'deploy', 'crds'))) await cp.kubectl(['apply', '-f', join(root, 'deploy', 'crds', f)]);
    const output = await whileOperatorRuns({ argv, env }, async () => {
      const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }));
      await waitFor('the probes port to answer /readyz', async () => (await get(ports.get('--health-probe-bind-address')!, '/readyz').catch(() => ({ status: 0 }))).status === 200, 60_000, 250);
      assert.equal((await get(ports.get('--health-probe-bind-address')!, '/healthz')).status, 200);
      assert.match((await get(ports.get('--metrics-bind-address')!, '/metrics')).body, /process_cpu_seconds_total/);
      for (const flag of ['--metrics-api-bind-address', '--webhook-bind-address']) {
        await t.test(`${flag} serves TLS`, async () => {
          const protocol = await new Promise<string | null>((resolve, reject) => {
            const s = connect({ host: '127.0.0.1', port: ports.get(flag)!, rejectUnauthorized: false, servername: 'localhost' }, () => {
              resolve(s.getProtocol());
              s.end();
            });
            s.once('error', reject);
          });
          assert.match(protocol ?? '', /TLSv1\.[23]/, `${flag} serves TLS`);
        });
      }
      // The chart asks for leader election on the Lease named by --leader-election-id, held by POD_NAME.
      await waitFor('the Lease to be held', async () => /updraft-operator-0/.test(await cp.kubectl(['get', 'lease', '-n', 'updraft-system', 'operator.updraft.dev', '-o', 'jsonpath={.spec.holderIdentity}']).catch(() => '')), 30_000, 250);
    }).finally(() => rmSync(certDir, { recursive: true, force: true }));
    assert.doesNotMatch(output, /error: unknown option/);
  });
  test("otlpReceiver.grpcTLS with caKey: the operator, run with the chart's args, serves the Secret's certificate on otlp-grpc and refuses a client without one", async () => {
    const certs = certFactory();
    const ca = certs.ca('otlp-ca');
    const server = certs.leaf('otlp-server', ca, { cn: 'updraft-otlp', usage: 'server', hosts: ['127.0.0.1', 'localhost'] });
    const client = certs.leaf('otlp-client', ca, { cn: 'collector', usage: 'client' });
    // The Secret's keys as the projected volume lays them out.
    const tlsDir = mkdtempSync(join(tmpdir(), 'updraft-chart-otlp-tls-'));
    copyFileSync(server.certFile, join(tlsDir, 'tls.crt'));
    copyFileSync(server.keyFile, join(tlsDir, 'tls.key'));
    copyFileSync(ca.certFile, join(tlsDir, 'ca.crt'));
    const certDir = await servingCertDir();
    const { docs } = render(['otlpReceiver.enabled=true', 'otlpReceiver.grpcTLS.existingSecret=otlp-tls', 'otlpReceiver.grpcTLS.caKey=ca.crt']);
    const run = await operatorRun(docs, { '/certs': certDir, '/var/run/updraft/otlp-grpc-tls': tlsDir });
    await whileOperatorRuns(run, async () => {
      const port = run.ports.get('--otlp-grpc-bind-address')!;
      // The server's certificate subject on a handshake with the client certificate; the error code of one without.
      const withCert = () =>
        new Promise<string>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, ca: ca.cert, cert: client.cert, key: client.key, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
            resolve(String(s.getPeerCertificate().subject.CN));
            s.end();
          });
          s.once('error', reject);
        });
      assert.equal(await eventually('the otlp-grpc port to complete a TLS handshake', () => withCert().catch(() => undefined), 60_000), 'updraft-otlp', 'the mounted certificate');
      const without = await new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost', ALPNProtocols: ['h2'] });
        s.resume();
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        s.once('close', () => resolve('closed without an error'));
      });
      assert.match(without, /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/, 'a client without a certificate is refused (mTLS)');
    }).finally(() => {
      rmSync(certDir, { recursive: true, force: true });
      rmSync(tlsDir, { recursive: true, force: true });
      certs.cleanup();
    });
  });
  // Runs last: the test above needs the CRDs absent at first, so this install leaves them out (crds.install=false).
  test("helm install with KEDA's values file: the release deploys and the operator Deployment's pod spec is accepted (kwok: no real containers)", async () => {
    await cp.kubectl(['create', 'namespace', 'keda']);
    const out = execFileSync(helm, ['install', 'keda', chart, '--namespace', 'keda', '--kubeconfig', cp.kubeconfig, '-f', kedaValues,
      '--set', 'crds.install=false', '--set', 'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/keda-operator', '--wait=false'], { encoding: 'utf8' });
    assert.match(out, /STATUS: deployed/);
    assert.match(await cp.kubectl(['get', 'serviceaccount', '-n', 'keda', 'keda-operator', '-o', 'jsonpath={.metadata.annotations.eks\\.amazonaws\\.com/role-arn}']), /role\/keda-operator/);
    // kwok fakes the pod's status: this shows the Deployment and its pod template are valid and schedulable,
    // not that the operator container starts (the test above runs the operator with the chart's args for that).
    await waitFor('the operator Deployment to report an available replica', async () => (await cp.kubectl(['get', 'deployment', '-n', 'keda', 'keda-operator', '-o', 'jsonpath={.status.availableReplicas}']).catch(() => '')) === '1', 90_000, 500);
  });
});

