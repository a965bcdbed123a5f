// The operator (direct mode) on a real control plane, reading a real PostgreSQL: a ScaledObject with a postgresql
// trigger whose password comes from a Secret through a TriggerAuthentication scales a Deployment 0→N→0 as rows of
// open jobs appear and are done.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { deploymentObject } from '../support/manifests.ts';
import { installCrds } from '../support/metrics-api-registration.ts';
import { startPostgres, type LocalPostgres } from '../support/postgresql.ts';
import { startTestOperator, type TestOperator } from '../support/test-operator.ts';
import { eventually as poll } from '../support/wait.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) => poll(what, check, timeoutMs, 200);

describe('postgresql ScaledObject on a real control plane', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let db: LocalPostgres;
  let op: TestOperator;
  const kubectl = (args: string[], input?: string) => cp.kubectl(args, { input });
  const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const replicas = async (name: string) => (await getJson<{ spec: { replicas: number } }>(['get', 'deployment', name])).spec.replicas;

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp, root);
    db = await startPostgres();
    await db.sql('CREATE TABLE jobs (id serial PRIMARY KEY, done boolean NOT NULL DEFAULT false)');
    await db.sql(`GRANT SELECT ON jobs TO ${db.user}`);
    op = await startTestOperator(cp);
  });
  after(async () => {
    await op?.stop();
    await db?.stop();
    await cp?.stop();
  });

  test('0 → 4 replicas for 17 open jobs (target 5) → 0 when they are done', async () => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploymentObject('jobs-worker', 0)));
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg-secret', namespace: 'default' }, stringData: { password: db.password } }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'pg-auth', namespace: 'default' },
        spec: { secretTargetRef: [{ parameter: 'password', name: 'pg-secret', key: 'password' }] },
      }),
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'jobs-worker', namespace: 'default' },
        spec: {
          scaleTargetRef: { name: 'jobs-worker' },
          pollingInterval: 1,
          cooldownPeriod: 3,
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [
            {
              type: 'postgresql',
              authenticationRef: { name: 'pg-auth' },
              metadata: {
                host: db.host,
                port: String(db.port),
                userName: db.user,
                dbName: db.database,
                sslmode: 'disable',
                query: 'SELECT COUNT(*) FROM jobs WHERE done = false',
                targetQueryValue: '5',
              },
            },
          ],
        },
      }),
    );
    await eventually('Ready=True', async () => {
      const so = await getJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(['get', 'scaledobject', 'jobs-worker']);
      return so.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    });
    const so = await getJson<{ status: { externalMetricNames?: string[]; triggersTypes?: string } }>(['get', 'scaledobject', 'jobs-worker']);
    assert.deepEqual(so.status.externalMetricNames, ['s0-postgresql']);
    assert.equal(so.status.triggersTypes, 'postgresql');
    // A poll read 0 rows: still 0 replicas.
    await eventually('a poll reading 0', async () =>
      op.op.controller.runner('default', 'jobs-worker')?.last?.readings[0]?.metrics[0]?.value === 0 ? true : undefined,
    );
    assert.equal(await replicas('jobs-worker'), 0);

    await db.sql('INSERT INTO jobs (done) SELECT false FROM generate_series(1, 17)');
    await eventually('replicas = 4 (ceil(17 / 5))', async () => ((await replicas('jobs-worker')) === 4 ? true : undefined));

    await db.sql('UPDATE jobs SET done = true');
    await eventually('replicas back to 0 after cooldown', async () => ((await replicas('jobs-worker')) === 0 ? true : undefined));
    const status = (await getJson<{ status: { triggersActivity?: Record<string, { isActive: boolean }> } }>(['get', 'scaledobject', 'jobs-worker'])).status;
    assert.deepEqual(status.triggersActivity, { 's0-postgresql': { isActive: false } });
  });
});
