// `updraft explain NAME`: why a ScaledObject's workload has the replicas it has, from what is in the cluster — the
// ScaledObject's conditions and trigger activity, the workload's /scale, the generated HPA's view of each metric
// and the HPA maths that turn it into a replica count (src/engine/hpa-replicas.ts), and the recent Events.
import type { Command } from 'commander';
import { parseScaledObject } from '../api/parse.ts';
import { isPaused, isPausedScaleIn, isPausedScaleOut, pausedReplicas } from '../api/validate.ts';
import { DEFAULT_TOLERANCE, externalAverageValueReplicas, externalValueReplicas } from '../engine/hpa-replicas.ts';
import { formatNumber } from '../engine/metric-value.ts';
import { parseQuantity } from '../api/values.ts';
import { GVR, isNotFound, KubeClient, type KubeObject } from '../kube/client.ts';
import { checkTriggerOffline } from '../scalers/index.ts';

interface Cond { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }
interface HpaMetricStatus { type: string; external?: { metric: { name: string }; current: { value?: string; averageValue?: string } } }
interface HpaSpecMetric { type: string; external?: { metric: { name: string }; target: { type: string; value?: string; averageValue?: string } } }
interface Hpa extends KubeObject {
  spec: { minReplicas?: number; maxReplicas: number; metrics?: HpaSpecMetric[]; behavior?: unknown };
  status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: HpaMetricStatus[]; conditions?: Cond[]; lastScaleTime?: string };
}
interface EventLike extends KubeObject { type?: string; reason?: string; message?: string; count?: number; lastTimestamp?: string; eventTime?: string; involvedObject?: { kind?: string; name?: string } }

const ago = (iso: string | undefined, now: number) => {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

export async function explainScaledObject(client: KubeClient, namespace: string, name: string, now = Date.now()): Promise<string> {
  let raw: KubeObject & { status?: { conditions?: Cond[]; hpaName?: string; triggersActivity?: Record<string, { isActive: boolean }>; externalMetricNames?: string[]; lastActiveTime?: string; originalReplicaCount?: number; scaleTargetGVKR?: { group: string; version: string; resource: string } } };
  try {
    raw = await client.get(GVR.scaledObjects, namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new Error(`ScaledObject ${namespace}/${name} not found (kubectl get scaledobjects -n ${namespace} lists them)`);
    throw err;
  }
  const out: string[] = [];
  const parsed = parseScaledObject(raw);
  const status = raw.status ?? {};
  if (!parsed.ok) {
    out.push(`ScaledObject ${namespace}/${name} is not valid:`);
    for (const p of parsed.problems) out.push(`  ${p.path}: ${p.message}${p.fix ? ` (fix: ${p.fix})` : ''}`);
    return out.join('\n');
  }
  const so = parsed.value;
  const ref = so.spec.scaleTargetRef;
  const mode = status.hpaName ? 'hpa' : 'direct';
  out.push(`ScaledObject ${namespace}/${name} → ${ref.kind} ${namespace}/${ref.name}  (mode ${mode}${status.hpaName ? `, HPA ${status.hpaName}` : ''})`);
  out.push(`  bounds ${so.spec.minReplicaCount}..${so.spec.maxReplicaCount}${so.spec.idleReplicaCount !== undefined ? `, idle ${so.spec.idleReplicaCount}` : ''}; pollingInterval ${so.spec.pollingInterval}s, cooldownPeriod ${so.spec.cooldownPeriod}s${status.lastActiveTime ? `; last active ${ago(status.lastActiveTime, now)}` : ''}`);
  const pauses = [isPaused(so) && 'paused', pausedReplicas(so) && `paused-replicas`, isPausedScaleIn(so) && 'paused-scale-in', isPausedScaleOut(so) && 'paused-scale-out'].filter(Boolean);
  if (pauses.length) out.push(`  annotations: ${pauses.join(', ')}`);

  // The workload's /scale.
  let specReplicas: number | undefined;
  let statusReplicas = 0;
  const gvr = status.scaleTargetGVKR;
  if (gvr) {
    try {
      const scale = await client.getScale(gvr, namespace, ref.name);
      specReplicas = scale.spec.replicas;
      statusReplicas = scale.status.replicas;
      out.push(`  replicas: ${specReplicas} wanted, ${statusReplicas} existing${status.originalReplicaCount !== undefined ? ` (before Updraft: ${status.originalReplicaCount})` : ''}`);
    } catch (err) {
      out.push(`  replicas: cannot read ${ref.kind} ${namespace}/${ref.name}/scale: ${(err as Error).message}`);
    }
  }

  out.push('conditions:');
  for (const c of status.conditions ?? []) out.push(`  ${c.type.padEnd(9)} ${c.status.padEnd(7)} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`);
  out.push('triggers:');
  so.spec.triggers.forEach((t, i) => {
    // The trigger's metric, target and activation threshold as the operator parses them (its scaler's descriptor).
    const checked = checkTriggerOffline(t, i);
    const spec = checked.ok ? checked.described.metricSpecs[0] : undefined;
    const metric = spec?.metricName ?? status.externalMetricNames?.find((m) => m.startsWith(`s${i}-`)) ?? `s${i}`;
    const act = status.triggersActivity?.[metric];
    const what = checked.ok && spec
      ? `target ${formatNumber(spec.target)} (${spec.targetType}), active above ${formatNumber(checked.described.activationThreshold)}`
      : !checked.ok ? `invalid: ${checked.error.message}` : '';
    out.push(`  [${i}] ${t.type}${t.name ? ` "${t.name}"` : ''}  metric ${metric}  ${what}  ${act === undefined ? 'activity unknown' : act.isActive ? 'active' : 'not active'}`);
  });

  if (status.hpaName) {
    let hpa: Hpa | undefined;
    try {
      hpa = await client.get<Hpa>(GVR.hpas, namespace, status.hpaName);
    } catch (err) {
      out.push(`HPA ${status.hpaName}: ${isNotFound(err) ? 'missing (the operator recreates it on its next reconcile)' : (err as Error).message}`);
    }
    if (hpa) {
      out.push(`HPA ${status.hpaName}: ${hpa.spec.minReplicas ?? 1}..${hpa.spec.maxReplicas}, current ${hpa.status?.currentReplicas ?? '?'}, desired ${hpa.status?.desiredReplicas ?? '?'}${hpa.status?.lastScaleTime ? `, last scaled ${ago(hpa.status.lastScaleTime, now)}` : ''}`);
      for (const m of hpa.spec.metrics ?? []) {
        if (m.type !== 'External' || !m.external) continue;
        const cur = hpa.status?.currentMetrics?.find((c) => c.external?.metric.name === m.external!.metric.name)?.external?.current;
        const tgt = m.external.target;
        const target = parseQuantity(tgt.averageValue ?? tgt.value ?? '');
        const ctx = { specReplicas: specReplicas ?? 0, statusReplicas, readyPods: statusReplicas, tolerance: { up: DEFAULT_TOLERANCE, down: DEFAULT_TOLERANCE } };
        if (!cur || target === undefined) {
          out.push(`  ${m.external.metric.name}: no current value yet (see ScalingActive below)`);
        } else if (tgt.type === 'AverageValue') {
          const perPod = parseQuantity(cur.averageValue ?? '') ?? 0;
          const total = perPod * Math.max(1, statusReplicas);
          const p = externalAverageValueReplicas(total, target, { ...ctx, statusReplicas: Math.max(1, statusReplicas) });
          out.push(`  ${m.external.metric.name}: ${formatNumber(perPod)} per pod (total ${formatNumber(total)}) vs target ${formatNumber(target)} per pod → ${p.ok ? `${p.replicas} replicas: ${p.reason}` : p.error}`);
        } else {
          const value = parseQuantity(cur.value ?? '') ?? 0;
          const p = externalValueReplicas(value, target, ctx);
          out.push(`  ${m.external.metric.name}: ${formatNumber(value)} vs target ${formatNumber(target)} → ${p.ok ? `${p.replicas} replicas: ${p.reason}` : p.error}`);
        }
      }
      for (const c of hpa.status?.conditions ?? []) out.push(`  ${c.type.padEnd(14)} ${c.status.padEnd(6)} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`);
      if (!hpa.spec.behavior) out.push('  no behavior set: scale-down waits for the HPA\'s 300 s stabilization window (the highest recommendation of the last 5 minutes)');
    }
  } else {
    out.push('no HPA: in direct mode Updraft applies the HPA algorithm itself; the operator log line "scaled" carries each step\'s reason');
  }

  // The API server filters by the involved object; only the Events of this ScaledObject and its HPA are read.
  const eventsOf = async (kind: string, objName: string) =>
    (await client.listAll<EventLike>(GVR.events, { namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${objName}` })).items;
  const events = [...(await eventsOf('ScaledObject', name)), ...(status.hpaName ? await eventsOf('HorizontalPodAutoscaler', status.hpaName) : [])]
    .sort((a, b) => Date.parse(a.lastTimestamp ?? a.eventTime ?? '') - Date.parse(b.lastTimestamp ?? b.eventTime ?? ''))
    .slice(-10);
  out.push(events.length ? 'recent events:' : 'no recent events');
  for (const e of events) out.push(`  ${ago(e.lastTimestamp ?? e.eventTime, now).padEnd(8)} ${(e.type ?? '').padEnd(7)} ${e.involvedObject?.kind === 'HorizontalPodAutoscaler' ? 'HPA ' : ''}${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`);
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('explain')
    .argument('<name>', 'ScaledObject name, or namespace/name')
    .option('-n, --namespace <ns>', 'namespace of the ScaledObject', 'default')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .addHelpText('after', `
Example:
  updraft explain -n keda-sqs-guidance sqsconsumer-hpa
  updraft explain keda-prometheus-guidance/app-http-requests-minute`)
    .action(async (nameArg: string, o: { namespace: string; kubeconfig?: string }) => {
      const [ns, name] = nameArg.includes('/') ? nameArg.split('/', 2) : [o.namespace, nameArg];
      const client = await KubeClient.fromEnvironment({ kubeconfig: o.kubeconfig });
      try {
        process.stdout.write(`${await explainScaledObject(client, ns, name)}\n`);
      } finally {
        client.close();
      }
    });
}
