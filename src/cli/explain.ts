// `updraft explain NAME`: why a ScaledObject's workload has the replicas it has, from what is in the cluster — the
// ScaledObject's conditions and trigger activity, the workload's /scale, the generated HPA's view of each metric
// and the HPA maths that turn it into a replica count, the last replica write and its reason, and the recent
// Events. The report is read by src/operator/explain.ts; this file renders it as text, or prints it as JSON.
import type { Command } from 'commander';
import { formatNumber } from '../engine/metric-value.ts';
import type { KubeClient } from '../kube/client.ts';
import { LAST_SCALE_CONDITION } from '../api/keda-reasons.ts';
import type { ScaledObjectExplanation } from '../operator/explain.ts';

const ago = (iso: string | undefined, now: number) => {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

/** The report as the text `updraft explain` prints. */
export function renderExplanation(r: ScaledObjectExplanation, now = Date.parse(r.readAt)): string {
  const { namespace, name } = r;
  const out: string[] = [];
  if (!r.valid) {
    out.push(`ScaledObject ${namespace}/${name} is not valid:`);
    for (const p of r.problems) out.push(`  ${p.path}: ${p.message}${p.fix ? ` (fix: ${p.fix})` : ''}`);
    return out.join('\n');
  }
  const b = r.bounds;
  out.push(`ScaledObject ${namespace}/${name} → ${r.target.kind} ${namespace}/${r.target.name}  (mode ${r.mode}${r.hpaName ? `, HPA ${r.hpaName}` : ''})`);
  out.push(
    `  bounds ${b.minReplicaCount}..${b.maxReplicaCount}${b.idleReplicaCount !== undefined ? `, idle ${b.idleReplicaCount}` : ''}; pollingInterval ${b.pollingIntervalSeconds}s, cooldownPeriod ${b.cooldownPeriodSeconds}s${r.lastActiveTime ? `; last active ${ago(r.lastActiveTime, now)}` : ''}`,
  );
  const pauses = [
    r.pause.paused && 'paused',
    r.pause.pausedReplicas && 'paused-replicas',
    r.pause.scaleIn && 'paused-scale-in',
    r.pause.scaleOut && 'paused-scale-out',
  ].filter(Boolean);
  if (pauses.length) out.push(`  annotations: ${pauses.join(', ')}`);
  if (r.scale?.ok)
    out.push(
      `  replicas: ${r.scale.specReplicas} wanted, ${r.scale.statusReplicas} existing${r.scale.originalReplicaCount !== undefined ? ` (before Updraft: ${r.scale.originalReplicaCount})` : ''}`,
    );
  else if (r.scale) out.push(`  replicas: cannot read ${r.target.kind} ${namespace}/${r.target.name}/scale: ${r.scale.error}`);
  if (r.lastScale)
    out.push(`  last scale: ${r.lastScale.from}→${r.lastScale.to}${r.lastScale.at ? ` ${ago(r.lastScale.at, now)}` : ''}: ${r.lastScale.reason}`);

  out.push('conditions:');
  // Updraft's LastScale condition is the "last scale" line above.
  for (const c of r.conditions)
    if (c.type !== LAST_SCALE_CONDITION) out.push(`  ${c.type.padEnd(9)} ${c.status.padEnd(7)} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`);
  out.push('triggers:');
  for (const t of r.triggers) {
    const what =
      t.invalid !== undefined
        ? `invalid: ${t.invalid}`
        : t.target !== undefined
          ? `target ${formatNumber(t.target)} (${t.targetType}), active above ${formatNumber(t.activationThreshold ?? 0)}`
          : '';
    out.push(
      `  [${t.index}] ${t.type}${t.name ? ` "${t.name}"` : ''}  metric ${t.metricName}  ${what}  ${t.active === undefined ? 'activity unknown' : t.active ? 'active' : 'not active'}`,
    );
  }

  const hpa = r.hpa;
  if (hpa && !hpa.found) {
    out.push(`HPA ${hpa.name}: ${hpa.missing ? 'missing (the operator recreates it on its next reconcile)' : hpa.error}`);
  } else if (hpa) {
    out.push(
      `HPA ${hpa.name}: ${hpa.minReplicas}..${hpa.maxReplicas}, current ${hpa.currentReplicas ?? '?'}, desired ${hpa.desiredReplicas ?? '?'}${hpa.lastScaleTime ? `, last scaled ${ago(hpa.lastScaleTime, now)}` : ''}`,
    );
    for (const m of hpa.metrics) {
      const result = m.result ? (m.result.ok ? `${m.result.replicas} replicas: ${m.result.reason}` : m.result.error) : '';
      if (!m.current || m.target === undefined) out.push(`  ${m.metricName}: no current value yet (see ScalingActive below)`);
      else if (m.current.type === 'AverageValue')
        out.push(
          `  ${m.metricName}: ${formatNumber(m.current.perPod)} per pod (total ${formatNumber(m.current.total)}) vs target ${formatNumber(m.target)} per pod → ${result}`,
        );
      else out.push(`  ${m.metricName}: ${formatNumber(m.current.value)} vs target ${formatNumber(m.target)} → ${result}`);
    }
    for (const c of hpa.conditions) out.push(`  ${c.type.padEnd(14)} ${c.status.padEnd(6)} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`);
    if (!hpa.behavior)
      out.push("  no behavior set: scale-down waits for the HPA's 300 s stabilization window (the highest recommendation of the last 5 minutes)");
  } else if (r.mode === 'unknown') {
    out.push(
      "no HPA recorded and the object is not Ready: in hpa mode the operator creates the HPA once the object is valid (see the Ready condition above); in direct mode (annotation updraft.dev/mode: direct or the operator's --mode) there is none",
    );
  } else {
    out.push(
      r.lastScale
        ? 'no HPA: in direct mode Updraft applies the HPA algorithm itself; "last scale" above is its last step, the operator log line "scaled" carries each step\'s reason'
        : 'no HPA: in direct mode Updraft applies the HPA algorithm itself; the operator log line "scaled" carries each step\'s reason',
    );
  }

  out.push(r.events.length ? 'recent events:' : 'no recent events');
  for (const e of r.events)
    out.push(
      `  ${ago(e.at, now).padEnd(8)} ${(e.type ?? '').padEnd(7)} ${e.involvedKind === 'HorizontalPodAutoscaler' ? 'HPA ' : ''}${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`,
    );
  return out.join('\n');
}

/** The explanation as text (the report of src/operator/explain.ts, rendered). */
export async function explainScaledObject(client: KubeClient, namespace: string, name: string, now = Date.now()): Promise<string> {
  const { explainReport } = await import('../operator/explain.ts');
  return renderExplanation(await explainReport(client, namespace, name, now), now);
}

export function register(program: Command): void {
  program
    .command('explain')
    .argument('<name>', 'ScaledObject name, or namespace/name')
    .option('-n, --namespace <ns>', 'namespace of the ScaledObject', 'default')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('-o, --output <format>', 'text, or json: the report as data (the same one a dashboard serves)', 'text')
    .addHelpText(
      'after',
      `
Example:
  updraft explain -n keda-sqs-guidance sqsconsumer-hpa
  updraft explain keda-prometheus-guidance/app-http-requests-minute
  updraft explain sqsconsumer-hpa -n keda-sqs-guidance --output json | jq .hpa.metrics`,
    )
    .action(async (nameArg: string, o: { namespace: string; kubeconfig?: string; output: string }) => {
      if (o.output !== 'text' && o.output !== 'json') program.error(`explain: --output must be text or json, got '${o.output}'`);
      const [ns, name] = nameArg.includes('/') ? nameArg.split('/', 2) : [o.namespace, nameArg];
      // The Kubernetes client and the report's reader load when the command runs, not for --help.
      const [{ KubeClient }, { explainReport }] = await Promise.all([import('../kube/client.ts'), import('../operator/explain.ts')]);
      const client = await KubeClient.fromEnvironment({ kubeconfig: o.kubeconfig });
      try {
        const report = await explainReport(client, ns, name);
        process.stdout.write(o.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${renderExplanation(report)}\n`);
      } finally {
        client.close();
      }
    });
}
