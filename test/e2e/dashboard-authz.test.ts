// The operator's dashboard on a real control plane: callers are authenticated by TokenReview (ServiceAccount tokens
// from `kubectl create token`) and see only the ScaledObjects of the namespaces where RBAC lets them `get`
// scaledobjects (SubjectAccessReview). A cron ScaledObject polls in direct mode, so the history and the SSE
// stream have real poll reports.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

describe('operator dashboard: TokenReview and SubjectAccessReview on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let op: TestOperator;
  let base: string;
  const tokens: Record<string, string> = {};
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const apply = (...items: unknown[]) => kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const get = async (path: string, token?: string) => {
    const res = await fetch(new URL(path, base), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as { objects?: Array<{ namespace: string; name: string; points: number }>; error?: string } };
  };
  const cron = (name: string, namespace: string) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { name },
      pollingInterval: 1,
      cooldownPeriod: 5,
      maxReplicaCount: 3,
      triggers: [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 0 * * *', end: '59 23 * * *', desiredReplicas: '2' } }],
    },
  });

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    await kubectl(['create', 'namespace', 'team-b']);
    await apply(deploymentObject('web', 0), deploymentObject('api', 0, { namespace: 'team-b' }), cron('web', 'default'), cron('api', 'team-b'));
    // viewer may get ScaledObjects in default only; nobody has no RBAC at all.
    for (const sa of ['viewer', 'nobody']) await kubectl(['create', 'serviceaccount', sa, '-n', 'default']);
    await kubectl(['create', 'role', 'so-reader', '-n', 'default', '--verb=get,list', '--resource=scaledobjects.keda.sh']);
    await kubectl(['create', 'rolebinding', 'so-reader', '-n', 'default', '--role=so-reader', '--serviceaccount=default:viewer']);
    for (const sa of ['viewer', 'nobody']) tokens[sa] = (await kubectl(['create', 'token', sa, '-n', 'default'])).trim();
    op = await startTestOperator(cp, { dashboard: { port: 0, host: '127.0.0.1' } });
    assert.ok(op.op.dashboardPort, 'the dashboard port');
    base = `http://127.0.0.1:${op.op.dashboardPort}/`;
  });

  after(async () => {
    await op?.stop();
    await cp?.stop();
  });

  test('without a token, or with a token the API server does not accept, the API answers 401', async () => {
    assert.equal((await get('/api/overview')).status, 401);
    assert.equal((await get('/api/overview', 'not-a-real-token')).status, 401);
  });

  test('a ServiceAccount that may get ScaledObjects in default sees those, with recorded polls, and nothing of team-b', async () => {
    const seen = await eventually(
      'web polled in the viewer overview',
      async () => {
        const r = await get('/api/overview', tokens.viewer);
        const web = r.body.objects?.find((o) => o.name === 'web');
        return web && web.points > 0 ? r.body.objects : undefined;
      },
      60_000,
    );
    assert.deepEqual(
      seen.map((o) => `${o.namespace}/${o.name}`),
      ['default/web'],
    );
    assert.equal((await get('/api/objects/ScaledObject/team-b/api', tokens.viewer)).status, 404);
    const detail = await get('/api/objects/ScaledObject/default/web', tokens.viewer);
    assert.equal(detail.status, 200);
  });

  test('a ServiceAccount without get sees nothing', async () => {
    const r = await get('/api/overview', tokens.nobody);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.objects, []);
    assert.equal((await get('/api/objects/ScaledObject/default/web', tokens.nobody)).status, 404);
  });

  test('the explain report comes from explainReport on the cluster', async () => {
    const res = await fetch(new URL('/api/objects/ScaledObject/default/web', base), { headers: { Authorization: `Bearer ${tokens.viewer}` } });
    const body = (await res.json()) as { explain: { kind: string; valid: boolean; triggers: Array<{ type: string }> } };
    assert.deepEqual([body.explain.kind, body.explain.valid, body.explain.triggers[0].type], ['ScaledObject', true, 'cron']);
  });
});
