import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planUp } from './up.ts';

const group = (name: string, ports = '{ from: 9000, to: 9009 }') =>
  `apiVersion: updraft.dev/v1alpha1\nkind: ProcessGroup\nmetadata: { name: ${name} }\nspec: { command: node, ports: ${ports} }\n`;
const so = (name: string, target: string, extra = '') =>
  `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: { name: ${name} }\nspec:\n  scaleTargetRef: ${target}\n  maxReplicaCount: 5\n${extra}  triggers: [{ type: opentelemetry, metadata: { metricName: m, threshold: "1" } }]\n`;
const pg = (name: string) => `{ apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: ${name} }`;

function dirWith(docs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-plan-'));
  writeFileSync(join(dir, 'all.yaml'), docs.join('---\n'));
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
  return dir;
}

describe('updraft up plan', () => {
  it('pairs a ScaledObject with the ProcessGroup it names, resolving paths against the manifest directory', async () => {
    const dir = dirWith([group('web'), so('web', pg('web'))]);
    const plan = await planUp([dir]);
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.groups[0].baseDir, dir);
    assert.equal(plan.scaledObjects[0].spec.scaleTargetRef.kind, 'ProcessGroup');
  });

  const bad: Array<{ name: string; docs: string[]; problem: RegExp }> = [
    {
      name: 'a Deployment target',
      docs: [group('web'), so('a', '{ name: web }')],
      problem: /ScaledObject default\/a: spec.scaleTargetRef is Deployment web; updraft up scales local processes/,
    },
    {
      name: 'a ProcessGroup that no file defines',
      docs: [group('web'), so('a', pg('api'))],
      problem: /names ProcessGroup api, which none of the files define/,
    },
    {
      name: 'two ScaledObjects on one group',
      docs: [group('web'), so('a', pg('web')), so('b', pg('web'))],
      problem: /ScaledObject default\/b: ProcessGroup web is already scaled by ScaledObject default\/a/,
    },
    {
      name: 'more replicas than ports',
      docs: [group('web', '{ from: 9000, to: 9001 }'), so('a', pg('web'))],
      problem: /maxReplicaCount 5 is more than the 2 ports/,
    },
    {
      name: 'an invalid ProcessGroup',
      docs: ['apiVersion: updraft.dev/v1alpha1\nkind: ProcessGroup\nmetadata: { name: web }\nspec: { args: [x] }\n'],
      problem: /all.yaml: ProcessGroup default\/web spec.command: /,
    },
    { name: 'no ProcessGroup at all', docs: [so('a', pg('web'))], problem: /no ProcessGroup \(apiVersion: updraft.dev\/v1alpha1\) found/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, saying what to change`, async () => {
      const plan = await planUp([dirWith(c.docs)]);
      assert.ok(
        plan.problems.some((p) => c.problem.test(p)),
        plan.problems.join('\n'),
      );
    });
  }

  it('ignores other kinds with a warning', async () => {
    const plan = await planUp([dirWith([group('web'), 'apiVersion: v1\nkind: Service\nmetadata: { name: s }\n'])]);
    assert.deepEqual(plan.problems, []);
    assert.ok(plan.warnings.some((w) => /Service s ignored/.test(w)));
  });
});
