// `updraft validate` as a user runs it: the real CLI binary on real files, stdin and directories.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { supportedTypes } from '../scalers/index.ts';
import { decodeManifest, expandInputs, formatText, readManifestFile, validateTexts } from './validate.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'bin', 'updraft.js');
const tmp = mkdtempSync(join(tmpdir(), 'updraft-validate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, 'validate', ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const so = (name: string, extra = '', target = 'worker') => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: ${name}
  namespace: shop
spec:
  scaleTargetRef:
    name: ${target}
${extra}  triggers:
    - type: aws-sqs-queue
      name: queue
      metadata:
        queueURL: https://sqs.eu-west-1.amazonaws.com/111122223333/orders
        queueLength: "5"
        identityOwner: operator
`;

describe('updraft validate', () => {
  it('passes the seed manifests (exit 0) and reports their KEDA warnings', () => {
    const r = run(['examples/seed-manifests/']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /6 objects checked: valid, 0 errors, 6 warnings\n$/);
    assert.match(r.out, /spec\.triggers\[0\]\.metadata\.metricName\n  prometheus does not read metadata 'metricName'; it is ignored \(as by KEDA\)/);
    assert.match(
      r.out,
      /examples\/seed-manifests\/04-amp-prometheus-scaledobject\.yaml:12: warning: ScaledObject keda-prometheus-guidance\/app-http-requests-minute spec\.pollingInterval/,
    );
  });

  it('fails (exit 1) on an invalid object and prints file:line, object, field path, message and fix', () => {
    const p = file('bad.yaml', so('orders', '  minReplicaCount: "1"\n'));
    const r = run([p]);
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      `${p}:9: error: ScaledObject shop/orders spec.minReplicaCount\n` +
        '  minReplicaCount must be an integer, not the string "1": the API server rejects quoted numbers in int32 fields\n' +
        '  fix: write it without quotes: minReplicaCount: 1\n' +
        '1 object checked: 1 invalid, 1 error, 0 warnings\n',
    );
  });

  it('counts only errors as invalid: warnings alone leave the summary valid', () => {
    const report = validateTexts([{ name: 'warn.yaml', text: so('orders', '  minReplicaCount: 2\n  cooldownPeriod: 30\n') }]);
    assert.deepEqual(report.summary, { objects: 1, invalidObjects: 0, errors: 0, warnings: 1 });
    assert.match(formatText(report), /^warn\.yaml:10: warning: ScaledObject shop\/orders spec\.cooldownPeriod\n/);
  });

  it('reports webhook rules found after parsing at the field line', () => {
    const report = validateTexts([{ name: 'idle.yaml', text: so('orders', '  idleReplicaCount: 0\n') }]);
    assert.match(
      formatText(report),
      /^idle\.yaml:9: error: ScaledObject shop\/orders spec\.idleReplicaCount\n  IdleReplicaCount=0 must be less than MinReplicaCount=0\n/,
    );
  });

  it('checks the scalingModifiers formula with the engine', () => {
    const report = validateTexts([
      { name: 'f.yaml', text: so('orders', '  advanced:\n    scalingModifiers:\n      formula: "queue + missing"\n      target: "5"\n') },
    ]);
    assert.equal(report.summary.errors, 1);
    assert.equal(report.problems[0].path, 'spec.advanced.scalingModifiers.formula');
    assert.match(report.problems[0].message, /missing/);
    assert.equal(report.problems[0].source, 'f.yaml:11');
  });

  it('reports the scalingModifiers fallback rule once, though both api/ and the engine check it', () => {
    const report = validateTexts([
      { name: 'fb.yaml', text: so('orders', '  fallback:\n    failureThreshold: 3\n    replicas: 2\n    behavior: scalingModifiers\n') },
    ]);
    assert.deepEqual(
      report.problems.map((p) => p.message),
      ['scalingModifiers fallback behavior requires scalingModifiers.formula to be defined'],
    );
  });

  it('checks objects from several files together (two ScaledObjects on one workload)', () => {
    const report = validateTexts([
      { name: 'a.yaml', text: so('a') },
      { name: 'b.yaml', text: so('b') },
    ]);
    assert.match(
      formatText(report),
      /^b\.yaml:8: error: ScaledObject shop\/b spec\.scaleTargetRef\.name\n  the workload 'worker' of type 'apps\/v1\.Deployment' is already managed by the ScaledObject 'a'/,
    );
  });

  it('warns about a file with no objects at all', () => {
    const report = validateTexts([{ name: 'empty.yaml', text: '# nothing here\n---\n' }]);
    assert.deepEqual(
      report.problems.map((p) => [p.severity, p.message]),
      [['warning', 'no Kubernetes objects found in empty.yaml']],
    );
  });

  it('reads stdin with "-" and prints JSON with --output json', () => {
    const r = run(['-', '--output', 'json'], `${so('orders')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n`);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.objects, [{ kind: 'ScaledObject', namespace: 'shop', name: 'orders', source: '<stdin>:1' }]);
    assert.deepEqual(report.others, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker', source: '<stdin>' }]);
    assert.deepEqual(report.summary, { objects: 1, invalidObjects: 0, errors: 0, warnings: 0 });
  });

  it('JSON output lists problems with severity, object, path, message, fix and source; a missing file fails too', () => {
    const p = file('json-bad.yaml', so('orders', '  pollingInterval: 0\n'));
    const missing = join(tmp, 'nope.yaml');
    const r = run([p, missing, '-o', 'json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.problems, [
      { severity: 'error', object: missing, path: '', message: `cannot read ${missing}: no such file or directory`, fix: 'check the path' },
      {
        severity: 'error',
        object: 'ScaledObject shop/orders',
        path: 'spec.pollingInterval',
        message: 'pollingInterval must be greater than or equal to 1, got number 0',
        fix: "set pollingInterval to 1 or more (KEDA's CRD minimum)",
        source: `${p}:9`,
      },
    ]);
  });

  it('rejects an unknown --output format', () => {
    const r = run(['examples/seed-manifests/', '--output', 'xml']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--output must be text or json/);
  });

  it('--help shows an example', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', '--help'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /\$ updraft validate examples\/seed-manifests\//);
  });
});

// What the operator would refuse when it builds each trigger's scaler, found offline by the same descriptor.
const trigger = (type: string, metadata: Record<string, string>, extra = '') => `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: t, namespace: shop}
spec:
  scaleTargetRef: {name: worker}
  triggers:
  - type: ${type}
${extra}    metadata: ${JSON.stringify(metadata)}
`;
const Q = 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders';
const PROM = { serverAddress: 'http://prometheus:9090', query: 'sum(up)' };
const triggerCases: Array<{ name: string; text: string; want: Array<[string, string, RegExp]> }> = [
  {
    name: 'a typo of a known key is an error with the key it probably means',
    text: trigger('aws-sqs-queue', { queueURL: Q, queuLength: '5', identityOwner: 'operator' }),
    want: [['error', 'spec.triggers[0].metadata.queuLength', /^aws-sqs-queue has no parameter 'queuLength'; did you mean 'queueLength'\?/]],
  },
  {
    name: 'a value that never parses is an error quoting it',
    text: trigger('prometheus', { ...PROM, threshold: 'twenty-five' }),
    want: [['error', 'spec.triggers[0].metadata.threshold', /^prometheus: threshold must be a number, got 'twenty-five'$/]],
  },
  {
    name: 'a JSON-number spelling KEDA refuses (2.5e1 is not a whole number) is refused here too',
    text: trigger('aws-sqs-queue', { queueURL: Q, queueLength: '2.5e1', identityOwner: 'operator' }),
    want: [['error', 'spec.triggers[0].metadata.queueLength', /queueLength must be a whole number, got '2\.5e1'/]],
  },
  {
    name: 'a non-HTTP serverAddress is an error',
    text: trigger('prometheus', { ...PROM, serverAddress: 'file:///etc/passwd', threshold: '5' }),
    want: [['error', 'spec.triggers[0].metadata.serverAddress', /serverAddress/]],
  },
  {
    name: 'an unsupported type is an error naming the supported ones',
    text: trigger('no-such-scaler', { topic: 'orders', lagThreshold: '5' }),
    want: [
      [
        'error',
        'spec.triggers[0].type',
        new RegExp(`^trigger type 'no-such-scaler' is not supported by Updraft \\(it reads ${supportedTypes().join(', ')}\\)$`),
      ],
    ],
  },
  {
    name: 'a missing required parameter with no TriggerAuthentication is an error',
    text: trigger('prometheus', { serverAddress: 'http://prometheus:9090', threshold: '5' }),
    want: [['error', 'spec.triggers[0].metadata', /^prometheus: missing required parameter "query"/]],
  },
  {
    name: 'a parameter the TriggerAuthentication may supply is a note, not an error',
    text: trigger('aws-cloudwatch', { expression: 'SELECT AVG(x) FROM y', targetMetricValue: '5' }, '    authenticationRef: {name: aws}\n'),
    want: [
      ['note', 'spec.triggers[0].metadata', /awsRegion is taken from the TriggerAuthentication at run time; not checked offline/],
      ['note', 'spec.triggers[0].metadata', /the AWS identity comes from the TriggerAuthentication/],
    ],
  },
  {
    name: "a value from the target's env is a note",
    text: trigger('aws-sqs-queue', { queueURLFromEnv: 'QUEUE_URL', awsRegion: 'eu-west-1', identityOwner: 'operator' }),
    want: [['note', 'spec.triggers[0].metadata', /queueURL is taken from env QUEUE_URL of the target's container \(queueURLFromEnv\)/]],
  },
  {
    name: 'an unknown key far from any known one is a warning (KEDA ignores it)',
    text: trigger('prometheus', { ...PROM, threshold: '5', owner: 'team-a' }),
    want: [['warning', 'spec.triggers[0].metadata.owner', /^prometheus does not read metadata 'owner'; it is ignored \(as by KEDA\)$/]],
  },
  { name: 'a valid trigger has no problem at all', text: trigger('prometheus', { ...PROM, threshold: '5', activationThreshold: '1' }), want: [] },
];

describe("updraft validate parses every trigger's metadata offline", () => {
  for (const c of triggerCases) {
    it(c.name, () => {
      const report = validateTexts([{ name: 't.yaml', text: c.text }]);
      const got = report.problems.map((p) => [p.severity, p.path, p.message]);
      assert.equal(got.length, c.want.length, JSON.stringify(got));
      c.want.forEach(([severity, path, message], i) => {
        assert.equal(got[i][0], severity);
        assert.equal(got[i][1], path);
        assert.match(got[i][2], message);
      });
      assert.equal(report.summary.invalidObjects, c.want.some(([sev]) => sev === 'error') ? 1 : 0);
    });
  }

  it('exits 1 on the typo through the real CLI, naming file:line and the fix', () => {
    const p = file('typo.yaml', triggerCases[0].text);
    const r = run([p]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      new RegExp(
        `^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: error: ScaledObject shop/t spec\\.triggers\\[0\\]\\.metadata\\.queuLength\n.*\n  fix: rename it to queueLength\n`,
      ),
    );
  });
});

describe('updraft validate on ProcessGroups (the quickstart kind)', () => {
  it('checks a ProcessGroup like the keda.sh objects and names its field', () => {
    const r = validateTexts([
      {
        name: 'pg.yaml',
        text: 'apiVersion: updraft.dev/v1alpha1\nkind: ProcessGroup\nmetadata: {name: web}\nspec: {command: node, ports: {from: 9000, to: 8000}}\n',
      },
    ]);
    assert.equal(r.summary.objects, 1);
    assert.equal(r.summary.invalidObjects, 1);
    assert.deepEqual(
      r.problems.map((p) => `${p.object} ${p.path}: ${p.message}`),
      ['ProcessGroup default/web spec.ports: from must be <= to'],
    );
    assert.deepEqual(r.others, []);
  });
  it('the quickstart manifest is valid as a whole', () => {
    const r = validateTexts([{ name: 'updraft.yaml', text: readFileSync(join(root, 'examples', 'quickstart', 'updraft.yaml'), 'utf8') }]);
    assert.deepEqual(
      r.problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.deepEqual(r.objects.map((o) => o.kind).sort(), ['ProcessGroup', 'ScaledObject']);
  });
});

describe('updraft validate: one broken or hostile file never hides the others', () => {
  it('prints a result for every file: a.yaml, a hostile file (alias bomb, deep nesting, duplicate key), c.yaml', () => {
    let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++)
      bomb += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]\n`;
    const a = file('h-a.yaml', so('orders', '  minReplicaCount: "1"\n', 'a'));
    const hostile = file('h-hostile.yaml', `${bomb}---\n${'['.repeat(1024 * 1024)}\n---\nx: 1\nx: 2\n`);
    const c = file('h-c.yaml', so('payments', '  minReplicaCount: "2"\n', 'c'));
    const t0 = Date.now();
    const r = run([a, hostile, c]);
    assert.ok(Date.now() - t0 < 30_000);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, new RegExp(`${a}:9: error: ScaledObject shop/orders spec.minReplicaCount`));
    assert.match(r.out, new RegExp(`${hostile}:1: error: document 1\n  YAML aliases expand too much`));
    assert.match(r.out, new RegExp(`${hostile}:11: error: document 2\n  the document nests maps and lists more than 100 levels deep`));
    assert.match(r.out, new RegExp(`${hostile}:14: error: document 3\n  duplicate key "x"`));
    assert.match(r.out, new RegExp(`${c}:9: error: ScaledObject shop/payments spec.minReplicaCount`));
  });

  const unreadable: Array<{ name: string; make: () => string; message: RegExp }> = [
    {
      name: 'a binary file is a problem for that file',
      make: () => file('h-bin.yaml', '\u0000\u0001binary'),
      message: /is a binary file \(it contains NUL bytes\)/,
    },
    {
      name: 'a file that is not UTF-8 is a problem for that file',
      make: () => {
        const p = join(tmp, 'h-latin1.yaml');
        writeFileSync(p, Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0x0a]));
        return p;
      },
      message: /is not UTF-8 text/,
    },
    {
      name: 'a file over 8 MiB is a problem for that file, not read',
      make: () => file('h-big.yaml', `a: "${'x'.repeat(8 * 1024 * 1024)}"\n`),
      message: /is larger than 8 MiB/,
    },
    { name: 'a missing file is a problem for that file', make: () => join(tmp, 'h-missing.yaml'), message: /no such file or directory/ },
  ];
  for (const row of unreadable) {
    it(`${row.name}; the next file is still checked`, () => {
      const bad = row.make();
      const good = file('h-good.yaml', so('good', '  minReplicaCount: "1"\n', 'g'));
      const r = run([bad, good]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.out, new RegExp(`^error: ${bad}\n  .*${row.message.source}`, 'm'));
      assert.match(r.out, new RegExp(`${good}:9: error: ScaledObject shop/good spec.minReplicaCount`));
      assert.match(r.out, /1 object checked: 2 invalid, 2 errors/);
    });
  }

  it('a directory with a dangling link and a symlink loop is walked once, naming the unreadable entry', () => {
    const dir = join(tmp, 'h-dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'ok.yaml'), so('ok'));
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'dangling.yaml'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    const x = expandInputs([dir]);
    assert.deepEqual(x.files, [join(dir, 'sub', 'ok.yaml')]);
    assert.deepEqual(
      x.problems.map((p) => [p.object, p.message]),
      [[join(dir, 'dangling.yaml'), `cannot read ${join(dir, 'dangling.yaml')}: no such file or directory`]],
    );
  });

  it('a directory named as a file is a problem, not a crash', () => {
    const r = readManifestFile(tmp);
    assert.ok('problem' in r && /is a directory/.test(r.problem.message));
  });

  it('decodeManifest reads UTF-8 text, dropping a byte-order mark', () => {
    const r = decodeManifest('x.yaml', Buffer.from('\ufeffa: 1\n'));
    assert.deepEqual(r, { text: 'a: 1\n' });
  });

  it('stdin over 8 MiB is refused with a problem', () => {
    const r = run(['-'], `a: "${'x'.repeat(8 * 1024 * 1024 + 10)}"\n`);
    assert.equal(r.code, 1);
    assert.match(r.out, /^error: <stdin>\n  <stdin> is larger than 8 MiB/);
  });
});
