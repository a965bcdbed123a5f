// `updraft probe`: read every trigger of the given ScaledObjects/ScaledJobs once against the live sources and show
// metric name, value, target and activity — the quickest way to see what Updraft (or KEDA) would see.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseManifests, type OtherObject } from '../api/parse.ts';
import type { KedaObject, ScaledJob, ScaledObject, Trigger } from '../api/types.ts';
import { AwsCredentialCache, setDefaultAwsCredentials } from '../auth/aws-credentials.ts';
import { AuthResolutionError, InMemoryObjectSource, resolveTriggerAuth } from '../auth/resolve-trigger-auth.ts';
import { buildScaler, scalerDescriptors } from '../scalers/index.ts';
import { ConfigError, ReadError } from '../scalers/scaler.ts';
import { fileErrorMessage, parseOutput, parseTimeoutMs } from './flags.ts';

export interface ProbeOptions {
  files: string[];
  secrets: string[];
  env: Record<string, string>;
  awsEndpoint?: string;
  prometheusUrl?: string;
  httpTimeoutMs: number;
}

export interface ProbeResult {
  object: string;
  triggerIndex: number;
  triggerName?: string;
  type: string;
  metricName?: string;
  value?: number;
  target?: number;
  targetType?: string;
  active?: boolean;
  /** ISO time the read finished. */
  readAt: string;
  durationMs: number;
  error?: { kind: string; message: string };
  notes: string[];
}

/** Applies the --aws-endpoint / --prometheus-url overrides to a copy of the trigger. */
export function overrideTrigger(trigger: Trigger, opts: Pick<ProbeOptions, 'awsEndpoint' | 'prometheusUrl'>): { trigger: Trigger; notes: string[] } {
  const metadata = { ...trigger.metadata };
  const notes: string[] = [];
  // Every trigger type with an awsEndpoint parameter (its descriptor says which) is pointed at the override.
  if (opts.awsEndpoint && 'awsEndpoint' in (scalerDescriptors.get(trigger.type)?.fields ?? {})) {
    metadata.awsEndpoint = opts.awsEndpoint;
    notes.push(`awsEndpoint overridden to ${opts.awsEndpoint}`);
  }
  if (opts.prometheusUrl && trigger.type === 'prometheus') {
    metadata.serverAddress = opts.prometheusUrl;
    // A local Prometheus needs no SigV4; dropping the AWS hints keeps probe from asking for AWS credentials.
    delete metadata.awsRegion;
    delete metadata.identityOwner;
    notes.push(`serverAddress overridden to ${opts.prometheusUrl} (SigV4 signing off)`);
  }
  return { trigger: { ...trigger, metadata }, notes };
}

function objectLabel(o: ScaledObject | ScaledJob): string {
  return `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
}

function addOthers(source: InMemoryObjectSource, others: OtherObject[]): void {
  for (const o of others) {
    if (o.kind !== 'Secret' && o.kind !== 'ConfigMap') continue;
    const raw = o.raw as { metadata?: { name?: string; namespace?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
    const name = raw.metadata?.name;
    if (!name) continue;
    const ns = raw.metadata?.namespace ?? 'default';
    if (o.kind === 'Secret') source.addSecretManifest(ns, name, raw.data ?? {}, raw.stringData ?? {});
    else source.addConfigMap(ns, name, raw.data ?? {});
  }
}

/** Parse the files and read every trigger once. */
export async function probe(opts: ProbeOptions): Promise<{ results: ProbeResult[]; problems: string[] }> {
  const source = new InMemoryObjectSource();
  const objects: KedaObject[] = [];
  const problems: string[] = [];
  for (const file of [...opts.files, ...opts.secrets]) {
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new Error(fileErrorMessage(opts.secrets.includes(file) ? '--secrets file' : 'manifest', file, e));
    });
    const parsed = parseManifests(text, file);
    objects.push(...parsed.objects);
    addOthers(source, parsed.others);
    for (const p of parsed.problems) {
      if (p.severity === 'error') problems.push(`${p.source ?? file}: ${p.object} ${p.path}: ${p.message}${p.fix ? ` (${p.fix})` : ''}`);
    }
  }
  for (const o of objects) if (o.kind === 'TriggerAuthentication' || o.kind === 'ClusterTriggerAuthentication') source.addTriggerAuthentication(o);

  const aws = new AwsCredentialCache(opts.awsEndpoint ? { stsEndpoint: opts.awsEndpoint } : {});
  setDefaultAwsCredentials(aws);
  const results: ProbeResult[] = [];
  const scaled = objects.filter((o): o is ScaledObject | ScaledJob => o.kind === 'ScaledObject' || o.kind === 'ScaledJob');
  await Promise.all(
    scaled.flatMap((o) =>
      o.spec.triggers.map(async (original, triggerIndex) => {
        const started = performance.now();
        const { trigger, notes } = overrideTrigger(original, opts);
        const result: ProbeResult = {
          object: objectLabel(o),
          triggerIndex,
          ...(trigger.name ? { triggerName: trigger.name } : {}),
          type: trigger.type,
          readAt: '',
          durationMs: 0,
          notes,
        };
        try {
          const auth = await resolveTriggerAuth(source, {
            namespace: o.metadata.namespace,
            objectName: o.metadata.name,
            objectKind: o.kind,
            trigger,
            triggerIndex,
          });
          notes.push(...auth.warnings);
          const scaler = buildScaler({
            trigger,
            triggerIndex,
            namespace: o.metadata.namespace,
            objectName: o.metadata.name,
            objectKind: o.kind,
            authParams: auth.authParams,
            resolvedEnv: { ...opts.env, ...auth.resolvedEnv },
            ...(auth.podIdentity ? { podIdentity: auth.podIdentity } : {}),
            httpTimeoutMs: opts.httpTimeoutMs,
            awsCredentials: aws,
          });
          const spec = scaler.metricSpecs[0];
          Object.assign(result, { metricName: spec?.metricName, target: spec?.target, targetType: spec?.targetType });
          try {
            const reading = await scaler.read(AbortSignal.timeout(Math.max(opts.httpTimeoutMs * 2, 10_000)));
            result.value = reading.metrics[0]?.value;
            result.active = reading.active;
          } finally {
            await scaler.close();
          }
        } catch (e) {
          const kind = e instanceof ReadError ? e.kind : e instanceof ConfigError ? 'config' : e instanceof AuthResolutionError ? 'auth-config' : 'other';
          result.error = { kind, message: e instanceof Error ? e.message : String(e) };
        }
        result.readAt = new Date().toISOString();
        result.durationMs = Math.round(performance.now() - started);
        results.push(result);
      }),
    ),
  );
  results.sort((a, b) => a.object.localeCompare(b.object) || a.triggerIndex - b.triggerIndex);
  return { results, problems };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return '-';
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

export function renderTable(results: ProbeResult[]): string {
  const rows = [['OBJECT', 'TRIGGER', 'METRIC', 'VALUE', 'TARGET', 'ACTIVE', 'READ AT', 'MS']];
  for (const r of results) {
    rows.push([
      r.object,
      `${r.triggerIndex} ${r.type}`,
      r.metricName ?? '-',
      r.error ? 'ERROR' : fmt(r.value),
      r.target === undefined ? '-' : `${fmt(r.target)} (${r.targetType})`,
      r.active === undefined ? '-' : String(r.active),
      r.readAt,
      String(r.durationMs),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  for (const r of results) {
    const label = `${r.object} trigger ${r.triggerIndex}`;
    for (const n of r.notes) lines.push(`  note: ${label}: ${n}`);
    if (r.error) lines.push(`  error (${r.error.kind}): ${label}: ${r.error.message}`);
  }
  return lines.join('\n');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command('probe')
    .requiredOption('-f, --filename <file>', 'manifest file (ScaledObjects, ScaledJobs, TriggerAuthentications); repeatable', collect, [])
    .option('--secrets <file>', 'Kubernetes Secret/ConfigMap manifests that TriggerAuthentications refer to; repeatable', collect, [])
    .option('--env <K=V>', 'environment variable for xxxFromEnv parameters; repeatable', collect, [])
    .option('--aws-endpoint <url>', 'send every AWS call (SQS, CloudWatch, STS) to this endpoint, e.g. a local moto server')
    .option('--prometheus-url <url>', "use this Prometheus instead of each trigger's serverAddress (turns SigV4 signing off)")
    .option('--timeout <d>', 'HTTP timeout per read, e.g. 3s (a bare number is milliseconds, as KEDA_HTTP_DEFAULT_TIMEOUT)', '3s')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      `
Examples:
  updraft probe -f examples/seed-manifests/01-sqs-scaledobject.yaml --aws-endpoint http://127.0.0.1:5000
  updraft probe -f so.yaml --secrets secrets.yaml --env QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/1/q -o json`,
    )
    .action(
      async (o: { filename: string[]; secrets: string[]; env: string[]; awsEndpoint?: string; prometheusUrl?: string; timeout: string; output: string }) => {
        const env: Record<string, string> = {};
        for (const kv of o.env) {
          const i = kv.indexOf('=');
          if (i <= 0) program.error(`--env expects K=V, got '${kv}'`);
          env[kv.slice(0, i)] = kv.slice(i + 1);
        }
        let timeout = 0;
        try {
          timeout = Math.round(parseTimeoutMs('--timeout', o.timeout));
          // 'text' is the spelling the other commands use for the default; 'table' stays accepted.
          if (o.output === 'text') o.output = 'table';
          parseOutput('--output', o.output, ['table', 'json']);
        } catch (e) {
          program.error(`probe: ${(e as Error).message}`);
        }
        const { results, problems } = await probe({
          files: o.filename,
          secrets: o.secrets,
          env,
          httpTimeoutMs: timeout,
          ...(o.awsEndpoint ? { awsEndpoint: o.awsEndpoint } : {}),
          ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
        });
        if (o.output === 'json') process.stdout.write(`${JSON.stringify({ results, problems }, null, 2)}\n`);
        else {
          for (const p of problems) process.stderr.write(`problem: ${p}\n`);
          process.stdout.write(`${results.length ? renderTable(results) : 'no ScaledObject or ScaledJob triggers found'}\n`);
        }
        process.exitCode = problems.length > 0 || results.some((r) => r.error) || results.length === 0 ? 1 : 0;
      },
    );
}
