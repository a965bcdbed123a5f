// The KEDA-compatible path on a real control plane: the operator owns 0↔1, generates the HPA, and the real HPA
// controller (kube-controller-manager) drives 1..N by querying Updraft's external metrics API through the
// aggregation layer (APIService → front-proxy client certificate → our TLS server). Also: fallback when the source
// dies, leader election between two operators, and an operator restart that loses nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../src/kube/client.ts';
import { startOperator, type RunningOperator } from '../../src/operator/operator.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { eventually } from '../support/wait.ts';
import { freePort } from '../support/free-port.ts';
import { installCrds, registerMetricsApi } from '../support/metrics-api-registration.ts';
import { startPrometheus, type LocalPrometheus } from '../support/prometheus.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

describe('operator (hpa mode) with the real HPA controller and the external metrics API', { timeout: 900_000 }, () => {
  let cp: ControlPlane;
  let prom: LocalPrometheus;
  let client: KubeClient;
  let metricsPort: number;
  let cert: { certFile: string; keyFile: string; caFile: string };
  const operators: RunningOperator[] = [];
  const logs: string[] = [];

  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;
  const condition = async (so: string, type: string) =>
    ((await getJson<{ status?: { conditions?: Cond[] } }>(['get', 'scaledobject', so])).status?.conditions ?? []).find((c) => c.type === type);
  const deployment = (name: string, n: number) => kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject(name, n)));
  const setGauge = (name: string, value: number) => {
    prom.series.gauges ??= {};
    prom.series.gauges[name] = { value };
  };
  const operator = async (extra: { leaderElection?: boolean; identity?: string } = {}) => {
    const log = (level: string) => (o: Record<string, unknown>, m: string) => void logs.push(`${extra.identity ?? 'op'} ${level} ${m} ${JSON.stringify(o)}`);
    const op = await startOperator({
      client,
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      namespace: 'default',
      defaultMode: 'hpa',
      leaderElection: extra.leaderElection ?? false,
      identity: extra.identity,
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
      // Election candidates serve the metrics API on ports of their own (not behind the APIService), asked directly.
      externalMetrics: { port: extra.leaderElection ? await freePort() : metricsPort, host: '127.0.0.1', certFile: cert.certFile, keyFile: cert.keyFile },
    });
    operators.push(op);
    return op;
  };

  before(async () => {
    cp = await startControlPlane({ hpaSyncSeconds: 1 });
    await installCrds(cp, root);
    prom = await startPrometheus({ gauges: {} });
    client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
    const reg = await registerMetricsApi(cp);
    metricsPort = reg.port;
    cert = reg.cert;
  });

  after(async () => {
    for (const op of operators) await op.stop().catch(() => undefined);
    await prom?.stop();
    await cp?.stop();
    if (process.env.UPDRAFT_E2E_LOGS === '1') console.log(logs.join('\n'));
  });

  test('vector(100)-like value with threshold 25: the generated HPA drives the Deployment to exactly 4 replicas', async () => {
    await operator();
    setGauge('requests_web', 100);
    await deployment('web', 0);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'web' },
          pollingInterval: 1,
          cooldownPeriod: 5,
          minReplicaCount: 0,
          maxReplicaCount: 30,
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, metricName: 's0-prometheus', threshold: '25', query: 'requests_web' } }],
        },
      }),
    );
    const hpa = await eventually('HPA keda-hpa-web', async () =>
      getJson<{
        metadata: { labels: Record<string, string>; ownerReferences: Array<{ kind: string; name: string }> };
        spec: {
          minReplicas: number;
          maxReplicas: number;
          metrics: Array<{
            type: string;
            external: { metric: { name: string; selector: { matchLabels: Record<string, string> } }; target: { type: string; averageValue: string } };
          }>;
        };
      }>(['get', 'hpa', 'keda-hpa-web']),
    );
    assert.equal(hpa.spec.minReplicas, 1);
    assert.equal(hpa.spec.maxReplicas, 30);
    assert.equal(hpa.spec.metrics[0].external.metric.name, 's0-prometheus');
    assert.deepEqual(hpa.spec.metrics[0].external.metric.selector.matchLabels, { 'scaledobject.keda.sh/name': 'web' });
    assert.equal(hpa.spec.metrics[0].external.target.averageValue, '25');
    assert.equal(hpa.metadata.labels['app.kubernetes.io/managed-by'], 'keda-operator');
    assert.deepEqual(
      hpa.metadata.ownerReferences.map((r) => `${r.kind}/${r.name}`),
      ['ScaledObject/web'],
    );

    // The metrics API answers through the aggregation layer, as the HPA controller asks it.
    // (Prometheus scrapes every 500 ms, so the first poll may still see an empty result and read 0.)
    const value = await eventually('the metrics API to answer 100', async () => {
      const raw = JSON.parse(
        await kubectl([
          'get',
          '--raw',
          '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3Dweb',
        ]),
      ) as { items: Array<{ metricName: string; value: string }> };
      return raw.items[0].value === '100' ? raw.items[0] : undefined;
    });
    assert.equal(value.metricName, 's0-prometheus');

    await eventually('4 replicas (100 / 25)', async () => ((await replicas('web')) === 4 ? true : undefined));
    // What `kubectl get hpa` shows once the HPA controller has recorded its decision (status lags one sync).
    const printed = await eventually('kubectl get hpa to show 4 replicas at 25/25', async () => {
      const out = await kubectl(['get', 'hpa', 'keda-hpa-web']);
      return /keda-hpa-web\s+Deployment\/web\s+25\/25 \(avg\)\s+1\s+30\s+4/.test(out) ? out : undefined;
    });
    assert.match(printed, /REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS/);
  });

  test('while the HPA scales, the ScaledObject has HPAActive=True (reason HPAActive), mirroring ScalingActive=True', async () => {
    const c = await eventually('HPAActive=True/HPAActive', async () => {
      const x = await condition('web', 'HPAActive');
      return x?.status === 'True' && x.reason === 'HPAActive' ? x : undefined;
    });
    assert.equal(c.message, 'HPA is actively scaling');
    const hpa = await getJson<{ status: { conditions?: Cond[] } }>(['get', 'hpa', 'keda-hpa-web']);
    assert.equal(hpa.status.conditions?.find((x) => x.type === 'ScalingActive')?.status, 'True');
  });

  test('the metric drops to 0: KEDA scales to zero after cooldown and the HPA reports ScalingDisabled', async () => {
    setGauge('requests_web', 0);
    await eventually('web back to 0', async () => ((await replicas('web')) === 0 ? true : undefined));
    const hpa = await eventually('HPA ScalingActive=False/ScalingDisabled', async () => {
      const h = await getJson<{ status: { conditions?: Cond[] } }>(['get', 'hpa', 'keda-hpa-web']);
      const c = h.status.conditions?.find((x) => x.type === 'ScalingActive');
      return c?.status === 'False' && c.reason === 'ScalingDisabled' ? c : undefined;
    });
    assert.ok(hpa);
  });

  test('at 0 replicas the HPA disables itself: HPAActive stays True with reason ScalingDisabled and the HPA’s message', async () => {
    const hpa = await getJson<{ status: { conditions?: Cond[] } }>(['get', 'hpa', 'keda-hpa-web']);
    const scalingActive = hpa.status.conditions?.find((x) => x.type === 'ScalingActive');
    const c = await eventually('HPAActive=True/ScalingDisabled', async () => {
      const x = await condition('web', 'HPAActive');
      return x?.status === 'True' && x.reason === 'ScalingDisabled' ? x : undefined;
    });
    assert.equal(c.message, scalingActive?.message);
  });

  test('the metric rises again: Updraft scales 0→1 and the HPA takes over from there', async () => {
    setGauge('requests_web', 60);
    // Updraft scales 0→1; the HPA then computes 3 (60 / 25) but, with no behavior set, its 300 s downscale
    // stabilization takes the highest recommendation of the last five minutes: the 4 from the previous test.
    // That is what KEDA users see too (the HPA, not the operator, decides here).
    await eventually('web back up from zero to the stabilized 4', async () => ((await replicas('web')) === 4 ? true : undefined));
  });

  test('fallback: when the source dies, the HPA gets target × fallback.replicas and scales to 6', async () => {
    setGauge('jobs_worker', 10);
    await deployment('worker', 1);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'worker', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'worker' },
          pollingInterval: 1,
          minReplicaCount: 1,
          maxReplicaCount: 20,
          fallback: { failureThreshold: 2, replicas: 6 },
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, threshold: '5', query: 'jobs_worker' } }],
        },
      }),
    );
    await eventually('worker at 2 (10 / 5)', async () => ((await replicas('worker')) === 2 ? true : undefined));
    // Point the trigger at a dead port: every read fails.
    const dead = await freePort();
    await kubectl([
      'patch',
      'scaledobject',
      'worker',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/triggers/0/metadata/serverAddress', value: `http://127.0.0.1:${dead}` }]),
    ]);
    await eventually('worker at 6 (fallback)', async () => ((await replicas('worker')) === 6 ? true : undefined));
    const fb = await condition('worker', 'Fallback');
    assert.equal(fb?.status, 'True');
    assert.equal(fb?.reason, 'FallbackExists');
    const events = await getJson<{ items: Array<{ reason: string }> }>(['get', 'events', '--field-selector', 'involvedObject.name=worker']);
    assert.ok(events.items.some((e) => e.reason === 'ScaledObjectFallbackActivated'));
  });

  test('an operator restart mid-run loses nothing: replicas stay, status carries over, scaling continues', async () => {
    setGauge('requests_api', 40);
    await deployment('api', 0);
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'api', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'api' },
          pollingInterval: 1,
          cooldownPeriod: 5,
          maxReplicaCount: 10,
          triggers: [{ type: 'prometheus', metadata: { serverAddress: prom.url, threshold: '10', query: 'requests_api' } }],
        },
      }),
    );
    await eventually('api at 4', async () => ((await replicas('api')) === 4 ? true : undefined));
    const before = (await getJson<{ status: { lastActiveTime: string; originalReplicaCount: number } }>(['get', 'scaledobject', 'api'])).status;
    const first = operators.shift();
    await first?.stop();
    await prom.waitForScrapes('requests_api', 6); // 3 s (three pollingIntervals) with the operator down
    assert.equal(await replicas('api'), 4, 'nothing scales while the operator is down, and nothing is lost');
    await operator();
    const after = (await getJson<{ status: { lastActiveTime: string; originalReplicaCount: number } }>(['get', 'scaledobject', 'api'])).status;
    assert.equal(after.originalReplicaCount, before.originalReplicaCount);
    setGauge('requests_api', 80);
    await eventually('api at 8 after the restart', async () => ((await replicas('api')) === 8 ? true : undefined));
  });

  test('leader election: of two operators only the leader scales; when it stops the other takes over', async () => {
    for (const op of operators.splice(0)) await op.stop();
    const a = await operator({ leaderElection: true, identity: 'op-a' });
    const b = await operator({ leaderElection: true, identity: 'op-b' });
    const leader = await eventually('a leader', async () => (a.isLeader() ? a : b.isLeader() ? b : undefined));
    const follower = leader === a ? b : a;
    assert.equal(follower.isLeader(), false);
    for (let i = 0; i < 10; i++) {
      assert.ok(!(a.isLeader() && b.isLeader()), 'never two leaders');
      await new Promise((r) => setTimeout(r, 100)); // hygiene: allow-sleep sampling period of the never-two-leaders check
    }
    // Both replicas answer the external metrics API (as the aggregator calls them, with the front-proxy identity):
    // the standby from a runner of its own that never scales, so an HPA request sent to it is not refused.
    const ask = (port: number, user = { name: 'system:kube-controller-manager', group: 'system:masters' }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=scaledobject.keda.sh%2Fname%3Dapi',
            ca: readFileSync(cert.caFile),
            cert: readFileSync(cp.frontProxy.clientCertFile),
            key: readFileSync(cp.frontProxy.clientKeyFile),
            headers: { 'X-Remote-User': user.name, 'X-Remote-Group': user.group },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    for (const op of [leader, follower]) {
      const r = await ask(op.metricsApiPort!);
      assert.equal(r.status, 200, `${op === leader ? 'leader' : 'standby'}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { items: Array<{ value: string }> }).items[0].value, '80');
    }
    // Authorization as KEDA's metrics server: a user RBAC does not allow is refused (SubjectAccessReview).
    const refused = await ask(leader.metricsApiPort!, { name: 'alice', group: 'developers' });
    assert.equal(refused.status, 403, refused.body);
    assert.match(
      (JSON.parse(refused.body) as { message: string }).message,
      /user "alice" cannot list resource "s0-prometheus" in API group "external.metrics.k8s.io" in the namespace "default"/,
    );
    await leader.stop();
    operators.splice(operators.indexOf(leader), 1);
    await eventually('the follower takes over', async () => (follower.isLeader() ? true : undefined), 15_000);
    // The new leader runs the loops: a change in the source is acted on (direct check on the 0↔N path).
    setGauge('requests_api', 0);
    await eventually('api scaled to 0 by the new leader', async () => ((await replicas('api')) === 0 ? true : undefined));
  });
});
