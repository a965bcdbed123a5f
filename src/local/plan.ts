// What `updraft up` runs, read from manifest files: every ScaledObject paired with the ProcessGroup its
// scaleTargetRef names, the TriggerAuthentications, Secrets and ConfigMaps its triggers may read, and the problems
// (errors refuse the run) and warnings found on the way. Nothing is started here; startLocal (start-local.ts) runs it.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { parseManifests } from '../api/parse.ts';
import { isProcessGroupManifest, parseProcessGroup, PROCESS_GROUP_KIND, UPDRAFT_API_VERSION, type ProcessGroup } from '../api/process-group.ts';
import type { Problem } from '../api/problem.ts';
import type { ScaledObject } from '../api/types.ts';
import { InMemoryObjectSource } from '../auth/object-source.ts';

export interface LocalPlan {
  groups: Array<{ group: ProcessGroup; baseDir: string }>;
  scaledObjects: ScaledObject[];
  source: InMemoryObjectSource;
  problems: string[];
  warnings: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function manifestFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw new Error(`${p}: no such file or directory`);
    if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) if (MANIFEST_EXTENSIONS.has(extname(name))) out.push(join(abs, name));
    } else out.push(abs);
  }
  return out;
}

function problemText(p: Problem): string {
  return `${p.source ? `${p.source}: ` : ''}${p.object}${p.path ? ` ${p.path}` : ''}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`;
}

/** Read manifests and pair every ScaledObject with its ProcessGroup. No processes are started. */
export async function planUp(paths: string[]): Promise<LocalPlan> {
  const plan: LocalPlan = { groups: [], scaledObjects: [], source: new InMemoryObjectSource(), problems: [], warnings: [] };
  for (const file of await manifestFiles(paths)) {
    const parsed = parseManifests(await readFile(file, 'utf8'), file);
    for (const p of parsed.problems) (p.severity === 'error' ? plan.problems : plan.warnings).push(problemText(p));
    for (const o of parsed.objects) {
      if (o.kind === 'ScaledObject') plan.scaledObjects.push(o);
      else if (o.kind === 'ScaledJob')
        plan.warnings.push(`ScaledJob ${o.metadata.namespace}/${o.metadata.name}: not run locally (updraft up runs ScaledObjects)`);
      else plan.source.addTriggerAuthentication(o);
    }
    for (const other of parsed.others) {
      if (isProcessGroupManifest(other.raw)) {
        const r = parseProcessGroup(other.raw, file);
        if (r.ok) plan.groups.push({ group: r.value, baseDir: dirname(file) });
        else plan.problems.push(...r.problems.map(problemText));
      } else if (other.kind === 'Secret' || other.kind === 'ConfigMap') {
        const raw = other.raw as { metadata?: { namespace?: string; name?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
        const ns = raw.metadata?.namespace ?? 'default';
        const name = raw.metadata?.name ?? '';
        if (other.kind === 'Secret') plan.source.addSecretManifest(ns, name, raw.data, raw.stringData);
        else plan.source.addConfigMap(ns, name, raw.data ?? {});
      } else {
        plan.warnings.push(`${file}: ${other.kind ?? '<no kind>'} ${other.name ?? ''} ignored (updraft up runs ProcessGroups and ScaledObjects)`);
      }
    }
  }
  const byName = new Map(plan.groups.map((g) => [`${g.group.metadata.namespace}/${g.group.metadata.name}`, g]));
  for (const so of plan.scaledObjects) {
    const ref = so.spec.scaleTargetRef;
    const id = `ScaledObject ${so.metadata.namespace}/${so.metadata.name}`;
    if (ref.kind !== PROCESS_GROUP_KIND || ref.apiVersion !== UPDRAFT_API_VERSION) {
      plan.problems.push(
        `${id}: spec.scaleTargetRef is ${ref.kind} ${ref.name}; updraft up scales local processes — point it at a ProcessGroup (apiVersion: ${UPDRAFT_API_VERSION}, kind: ${PROCESS_GROUP_KIND}) or run the operator on a cluster`,
      );
    } else if (!byName.has(`${so.metadata.namespace}/${ref.name}`)) {
      plan.problems.push(`${id}: spec.scaleTargetRef names ProcessGroup ${ref.name}, which none of the files define in namespace ${so.metadata.namespace}`);
    } else {
      const ports = byName.get(`${so.metadata.namespace}/${ref.name}`)!.group.spec.ports;
      if (ports && so.spec.maxReplicaCount > ports.to - ports.from + 1) {
        plan.problems.push(
          `${id}: spec.maxReplicaCount ${so.spec.maxReplicaCount} is more than the ${ports.to - ports.from + 1} ports of ProcessGroup ${ref.name} (spec.ports ${ports.from}-${ports.to}); widen the range or lower maxReplicaCount`,
        );
      }
    }
  }
  const targeted = new Map<string, string>();
  for (const so of plan.scaledObjects) {
    const key = `${so.metadata.namespace}/${so.spec.scaleTargetRef.name}`;
    const prev = targeted.get(key);
    if (prev)
      plan.problems.push(
        `ScaledObject ${so.metadata.namespace}/${so.metadata.name}: ProcessGroup ${so.spec.scaleTargetRef.name} is already scaled by ScaledObject ${prev} (KEDA allows one per target)`,
      );
    targeted.set(key, `${so.metadata.namespace}/${so.metadata.name}`);
  }
  if (plan.groups.length === 0) plan.problems.push(`no ProcessGroup (apiVersion: ${UPDRAFT_API_VERSION}) found in ${paths.join(', ')}`);
  return plan;
}
