import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { certRotationPlan, register } from './operator.ts';

/** The operator's options for `args` (commander defaults included) and whether --enable-cert-rotation was given. */
async function flags(args: string[]) {
  const program = new Command().exitOverride();
  register(program);
  const op = program.commands.find((c) => c.name() === 'operator')!;
  let seen: { opts: Parameters<typeof certRotationPlan>[0]; given: boolean } | undefined;
  op.action((opts: Parameters<typeof certRotationPlan>[0], cmd: Command) => {
    seen = { opts, given: cmd.getOptionValueSource('enableCertRotation') === 'cli' };
  });
  await program.parseAsync(['node', 'updraft', 'operator', '--namespace', 'keda', ...args]);
  return seen!;
}

describe('operator certificates: operator-managed rotation or mounted files (certRotationPlan)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-certs-'));
  writeFileSync(join(dir, 'tls.crt'), 'x');
  writeFileSync(join(dir, 'tls.key'), 'x');
  const mounted = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), serving: true };
  const empty = { certFile: join(dir, 'none.crt'), keyFile: join(dir, 'none.key'), serving: true };
  const rows: Array<{ name: string; args: string[]; ctx: typeof mounted; on: boolean; why: RegExp }> = [
    { name: 'no certificate mounted and no flag: operator-managed', args: [], ctx: empty, on: true, why: /operator-managed \(Secret keda\/updraft-certs\)/ },
    { name: 'a certificate mounted and no flag: the files (cert-manager, own Secret)', args: [], ctx: mounted, on: false, why: /certificate mounted at/ },
    {
      name: '--enable-cert-rotation=false: the files even when none is mounted',
      args: ['--enable-cert-rotation=false'],
      ctx: empty,
      on: false,
      why: /--enable-cert-rotation=false/,
    },
    { name: '--enable-cert-rotation: operator-managed even with files mounted', args: ['--enable-cert-rotation'], ctx: mounted, on: true, why: /are not used/ },
    { name: 'no TLS server: nothing to manage', args: ['--enable-cert-rotation'], ctx: { ...empty, serving: false }, on: false, why: /no TLS server/ },
  ];
  for (const row of rows)
    test(row.name, async () => {
      const f = await flags(row.args);
      const plan = certRotationPlan(f.opts, { ...row.ctx, given: f.given });
      assert.equal(!!plan.rotation, row.on);
      assert.match(plan.why, row.why);
    });
  test("defaults: cert-controller's durations, KEDA's SANs for the chart's Service names, both caBundles patched", async () => {
    const plan = certRotationPlan((await flags([])).opts, { ...empty, given: false });
    const r = plan.rotation!;
    assert.equal(r.secretName, 'updraft-certs');
    assert.equal(r.caValidityMs, 87600 * 3_600_000);
    assert.equal(r.certValidityMs, 8760 * 3_600_000);
    assert.deepEqual(r.renewBefore, { ms: 2160 * 3_600_000 });
    assert.equal(r.bundlePropagationMs, 30_000);
    assert.deepEqual(r.apiServices, ['v1beta1.external.metrics.k8s.io']);
    assert.deepEqual(r.apiServiceBackend, { namespace: 'keda', name: 'updraft-operator-metrics-apiserver' });
    assert.deepEqual(r.validatingWebhooks, ['updraft-admission']);
    assert.equal(r.dnsNames[0], 'updraft-operator-metrics-apiserver');
    // hygiene: allow-table several names of ONE plan's SAN list
    for (const n of ['updraft-operator-metrics-apiserver.keda.svc', 'updraft-operator.keda.svc.cluster.local', 'updraft-admission-webhooks.keda'])
      assert.ok(r.dnsNames.includes(n), n);
  });
  test("KEDA's flags: service names, cluster domain, webhook name; --enable-webhook-patching=false drops the webhook SANs and patch", async () => {
    const f = await flags([
      '--cert-secret-name=kedaorg-certs',
      '--metrics-server-service-name=keda-metrics-apiserver',
      '--k8s-cluster-domain=corp.local',
      '--validating-webhook-name=keda-admission',
      '--enable-webhook-patching=false',
      '--cert-renew-before=50%',
    ]);
    const r = certRotationPlan(f.opts, { ...empty, given: f.given }).rotation!;
    assert.equal(r.secretName, 'kedaorg-certs');
    assert.ok(r.dnsNames.includes('keda-metrics-apiserver.keda.svc.corp.local'));
    assert.ok(!r.dnsNames.some((n) => n.startsWith('updraft-admission-webhooks')));
    assert.deepEqual(r.validatingWebhooks, []);
    assert.deepEqual(r.renewBefore, { fraction: 0.5 });
  });
  test('bad values are errors naming the flag', async () => {
    const bad = async (args: string[]) => certRotationPlan((await flags(args)).opts, { ...empty, given: true });
    await assert.rejects(bad(['--enable-cert-rotation=maybe']), /--enable-cert-rotation: 'maybe' is not a boolean/);
    await assert.rejects(bad(['--enable-cert-rotation', '--cert-validity=1y']), /--cert-validity: '1y' is not a positive duration/);
    await assert.rejects(bad(['--enable-cert-rotation', '--cert-renew-before=150%']), /--cert-renew-before: '150%' is neither/);
  });
});
