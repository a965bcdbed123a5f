// `updraft validate FILE...`: check keda.sh manifests without a cluster — the CRD schema (as the API server would),
// KEDA's admission-webhook rules that need no cluster, the scalingModifiers formula, and checks across all files
// given together. Prints every problem with file:line, object, field path, message and fix.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseManifests } from '../api/parse.ts';
import { isProcessGroupManifest, parseProcessGroup, PROCESS_GROUP_KIND } from '../api/process-group.ts';
import { formatBytes, MAX_FILE_BYTES, MAX_OBJECT_BYTES } from '../api/bounds.ts';
import { hasErrors, truncate, type Problem } from '../api/problem.ts';
import type { KedaObject } from '../api/types.ts';
import { label, validateObject, validateSet } from '../api/validate.ts';
import { checkedWorkloadKind, hasResourceTrigger, verifyCpuMemoryRequests, type LimitRangeLike, type WorkloadLike } from '../api/cpu-memory-requests.ts';
import { validateScalingModifiers } from '../engine/formula.ts';
import { triggerProblems } from '../scalers/trigger-problems.ts';

export interface ValidateReport {
  objects: Array<{ kind: string; namespace: string; name: string; source?: string }>;
  others: Array<{ apiVersion?: string; kind?: string; name?: string; source: string }>;
  problems: Problem[];
  summary: { objects: number; invalidObjects: number; errors: number; warnings: number };
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EISDIR') return 'is a directory';
  return truncate(e instanceof Error ? e.message : String(e), 200);
}

function inputProblem(path: string, message: string, fix: string): Problem {
  return { severity: 'error', object: truncate(path, 200), path: '', message, fix };
}

/**
 * Expand directories (recursively, sorted) into their manifest files; `-` stays as stdin. An entry that cannot be
 * read (permissions, a dangling link) is a problem for that entry and the walk goes on; in directories, only regular
 * files are taken (a FIFO named x.yaml would block the read) and each directory is walked once (symlink loops).
 */
export function expandInputs(inputs: ReadonlyArray<string>): { files: string[]; problems: Problem[] } {
  const files: string[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      problems.push(inputProblem(dir, `cannot read directory ${truncate(dir, 200)}: ${reason(e)}`, 'check its permissions'));
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      const isManifest = MANIFEST_EXTENSIONS.some((e) => name.endsWith(e));
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        if (isManifest) problems.push(inputProblem(p, `cannot read ${truncate(p, 200)}: ${reason(e)}`, 'check the path and its permissions'));
        continue;
      }
      if (st.isDirectory()) walk(p, `${st.dev}:${st.ino}`);
      else if (isManifest && st.isFile()) files.push(p);
      else if (isManifest)
        problems.push({
          ...inputProblem(p, `${truncate(p, 200)} is not a regular file; skipped`, 'name it on the command line to read it anyway'),
          severity: 'warning',
        });
    }
  };
  for (const input of inputs) {
    if (input === '-') {
      files.push('-');
      continue;
    }
    try {
      const st = statSync(input);
      if (st.isDirectory()) walk(input, `${st.dev}:${st.ino}`);
      else files.push(input);
    } catch (e) {
      problems.push(inputProblem(input, `cannot read ${truncate(input, 200)}: ${reason(e)}`, 'check the path'));
    }
  }
  return { files, problems };
}

/** Bytes → text, or why they are not a manifest: too large (MAX_FILE_BYTES), binary (NUL bytes) or not UTF-8. */
export function decodeManifest(name: string, bytes: Buffer, truncated = false): { text: string } | { problem: Problem } {
  if (truncated || bytes.length > MAX_FILE_BYTES) {
    return {
      problem: inputProblem(
        name,
        `${truncate(name, 200)} is larger than ${formatBytes(MAX_FILE_BYTES)}; Updraft reads at most that much per file (each object must also fit the ${formatBytes(MAX_OBJECT_BYTES)} etcd stores), so it was not read`,
        'split it into several files',
      ),
    };
  }
  if (bytes.includes(0)) {
    return {
      problem: inputProblem(
        name,
        `${truncate(name, 200)} is a binary file (it contains NUL bytes), not YAML or JSON text`,
        'give a YAML or JSON file (UTF-16 text: save it as UTF-8)',
      ),
    };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: inputProblem(name, `${truncate(name, 200)} is not UTF-8 text`, 'save it as UTF-8') };
  }
}

/** Read at most MAX_FILE_BYTES + 1 bytes of a file (regular, or a pipe such as <(kubectl get ...)). */
export function readManifestFile(path: string): { text: string } | { problem: Problem } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) return { problem: inputProblem(path, `cannot read ${truncate(path, 200)}: is a directory`, 'check the path') };
    if (st.isFile() && st.size > MAX_FILE_BYTES) return decodeManifest(path, Buffer.alloc(0), true);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, MAX_FILE_BYTES + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > MAX_FILE_BYTES) return decodeManifest(path, Buffer.alloc(0), true);
    }
    return decodeManifest(path, Buffer.concat(chunks));
  } catch (e) {
    return { problem: inputProblem(path, `cannot read ${truncate(path, 200)}: ${reason(e)}`, 'check the path and its permissions') };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `more` minus the errors at a path `found` already has an error for (the CRD rules and the scaler may agree). */
function withoutRepeats(found: readonly Problem[], more: readonly Problem[]): Problem[] {
  return more.filter((p) => !(p.severity === 'error' && found.some((f) => f.severity === 'error' && f.path === p.path)));
}

/** Validate manifest texts given together (the pure part of the command, used by tests and the CLI). */
export function validateTexts(inputs: ReadonlyArray<{ name: string; text: string }>): ValidateReport {
  const problems: Problem[] = [];
  const all: Array<{ obj: KedaObject; locate: (path: string) => string | undefined }> = [];
  const report: ValidateReport = { objects: [], others: [], problems, summary: { objects: 0, invalidObjects: 0, errors: 0, warnings: 0 } };
  const processGroups: string[] = [];
  // Workloads and LimitRanges given alongside, for KEDA's cpu/memory request check (the webhook reads the cluster).
  const workloads = new Map<string, WorkloadLike>();
  const limitRanges = new Map<string, LimitRangeLike[]>();
  for (const input of inputs) {
    const parsed = parseManifests(input.text, input.name);
    problems.push(...parsed.problems);
    for (const o of parsed.others) {
      // ProcessGroups (Updraft's own kind for `updraft up`) are checked too.
      if (isProcessGroupManifest(o.raw)) {
        const pg = parseProcessGroup(o.raw, input.name);
        const ns = (o.raw as { metadata?: { namespace?: string } }).metadata?.namespace ?? 'default';
        report.objects.push({ kind: PROCESS_GROUP_KIND, namespace: ns, name: o.name ?? '', source: input.name });
        processGroups.push(`${PROCESS_GROUP_KIND} ${ns}/${o.name ?? ''}`);
        if (!pg.ok) problems.push(...pg.problems);
        continue;
      }
      const raw = o.raw as WorkloadLike & LimitRangeLike;
      const ns = raw.metadata?.namespace ?? 'default';
      if ((o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.apiVersion === 'apps/v1') workloads.set(`${ns}/apps/v1.${o.kind}/${o.name ?? ''}`, raw);
      if (o.kind === 'LimitRange' && o.apiVersion === 'v1') limitRanges.set(ns, [...(limitRanges.get(ns) ?? []), raw]);
      const other: ValidateReport['others'][number] = { source: input.name };
      if (o.apiVersion !== undefined) other.apiVersion = o.apiVersion;
      if (o.kind !== undefined) other.kind = o.kind;
      if (o.name !== undefined) other.name = o.name;
      report.others.push(other);
    }
    for (const obj of parsed.objects) {
      const locate = (path: string) => parsed.locate(obj, path);
      all.push({ obj, locate });
      const entry: ValidateReport['objects'][number] = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
      const src = locate('');
      if (src) entry.source = src;
      report.objects.push(entry);
      const found = validateObject(obj);
      // Each trigger's metadata, parsed offline by its scaler's descriptor: what the operator would refuse.
      if (obj.kind === 'ScaledObject' || obj.kind === 'ScaledJob') found.push(...withoutRepeats(found, triggerProblems(obj)));
      if (obj.kind === 'ScaledObject') {
        // The formula compiler lives in engine/; api/ cannot call it. Skip what api/ already reported at the same field.
        for (const f of validateScalingModifiers(obj)) {
          if (found.some((p) => p.severity === 'error' && p.path === f.path)) continue;
          found.push({ severity: 'error', object: label(obj), path: f.path, message: f.message });
        }
      }
      for (const p of found) problems.push({ ...p, source: p.source ?? locate(p.path) });
    }
    if (parsed.objects.length === 0 && parsed.others.length === 0 && !parsed.problems.some((p) => p.severity === 'error')) {
      problems.push({ severity: 'warning', object: input.name, path: '', message: `no Kubernetes objects found in ${input.name}` });
    }
  }
  const setProblems = validateSet(all.map((a) => a.obj));
  for (const { obj } of all) {
    if (obj.kind !== 'ScaledObject' || !hasResourceTrigger(obj)) continue;
    const kind = checkedWorkloadKind(obj);
    const workload = kind && workloads.get(`${obj.metadata.namespace}/${kind}/${obj.spec.scaleTargetRef.name}`);
    if (workload) setProblems.push(...verifyCpuMemoryRequests(obj, workload, limitRanges.get(obj.metadata.namespace) ?? []));
  }
  for (const p of setProblems) {
    // validateSet reports on the later of two conflicting objects, so locate the last one with that label.
    const owner = [...all].reverse().find((a) => label(a.obj) === p.object);
    problems.push({ ...p, source: owner?.locate(p.path) });
  }
  const invalid = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.object));
  // Objects that failed to parse are not in report.objects but were checked all the same.
  const checked = new Set([...all.map((a) => label(a.obj)), ...processGroups, ...[...invalid].filter((o) => /^(Scaled|ClusterTrigger|Trigger)\w+ /.test(o))]);
  report.summary = {
    objects: checked.size,
    invalidObjects: invalid.size,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
  };
  return report;
}

export function formatText(report: ValidateReport): string {
  const lines: string[] = [];
  for (const p of report.problems) {
    const where = p.source ?? '';
    lines.push(`${where ? `${where}: ` : ''}${p.severity}: ${p.object}${p.path ? ` ${p.path}` : ''}`);
    lines.push(`  ${p.message}`);
    if (p.fix) lines.push(`  fix: ${p.fix}`);
  }
  const s = report.summary;
  const others = report.others.length ? `, ${report.others.length} other object${report.others.length === 1 ? '' : 's'} skipped` : '';
  const verdict = s.errors === 0 ? 'valid' : `${s.invalidObjects} invalid`;
  lines.push(
    `${s.objects} object${s.objects === 1 ? '' : 's'} checked${others}: ${verdict}, ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}

async function readStdin(): Promise<{ text: string } | { problem: Problem }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of process.stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    total += b.length;
    if (total > MAX_FILE_BYTES) {
      process.stdin.destroy();
      return decodeManifest('<stdin>', Buffer.alloc(0), true);
    }
    chunks.push(b);
  }
  return decodeManifest('<stdin>', Buffer.concat(chunks));
}

export function register(program: Command): void {
  program
    .command('validate')
    .argument('<files...>', 'YAML/JSON files or directories (searched for *.yaml, *.yml, *.json); "-" reads stdin')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Checks what the API server would reject (KEDA's CRD schema), KEDA's admission-webhook rules that need no
cluster, the scalingModifiers formula, and conflicts between the objects given together (two ScaledObjects on
one workload or one HPA name). Other objects (Deployments, ...) are skipped.
Exit code: 1 when any object is invalid (has an error), 0 otherwise; warnings do not fail.

Examples:
  $ updraft validate examples/seed-manifests/
  $ updraft validate so.yaml auth.yaml --output json
  $ kubectl get scaledobjects -A -o yaml | updraft validate -`,
    )
    .action(async (inputs: string[], opts: { output: string }) => {
      if (opts.output !== 'text' && opts.output !== 'json') {
        program.error(`--output must be text or json, got ${JSON.stringify(opts.output)}`);
      }
      const { files, problems: inputProblems } = expandInputs(inputs);
      const texts: Array<{ name: string; text: string }> = [];
      // A file that cannot be read is a problem for that file; the others are still checked.
      for (const f of files) {
        const read = f === '-' ? await readStdin() : readManifestFile(f);
        if ('problem' in read) inputProblems.push(read.problem);
        else texts.push({ name: f === '-' ? '<stdin>' : f, text: read.text });
      }
      const report = validateTexts(texts);
      if (inputProblems.length) {
        report.problems.unshift(...inputProblems);
        const errors = inputProblems.filter((p) => p.severity === 'error').length;
        report.summary.errors += errors;
        report.summary.invalidObjects += errors;
        report.summary.warnings += inputProblems.length - errors;
      }
      process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
      process.exitCode = hasErrors(report.problems) ? 1 : 0;
    });
}
