// What the operator's dashboard shows, from the operator's own caches: the ScaledObjects and ScaledJobs of the
// informers (parsed once per resourceVersion), their status conditions, the scale loops' modes, the `explain`
// report (explain.ts) and the objects' Events. The numbers over time come from the DashboardHistory the
// controllers' poll hook fills (operator.ts).
import { parseScaledJob, parseScaledObject } from '../api/parse.ts';
import type { Condition, ScaledJob, ScaledObject } from '../api/types.ts';
import { GVR, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { DashboardEvent, DashboardKind, DashboardObject, DashboardSource } from '../servers/dashboard-server.ts';
import { explainReport } from './explain.ts';

interface EventLike extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string };
}

export interface OperatorDashboardSourceOptions {
  client: KubeClient;
  scaledObjects(): KubeObject[];
  scaledJobs(): KubeObject[];
  /** The running loop's mode, when one runs. */
  modeOf(namespace: string, name: string): 'hpa' | 'direct' | undefined;
  defaultMode: 'hpa' | 'direct';
}

type Raw = KubeObject & {
  status?: { conditions?: Condition[]; hpaName?: string };
  spec?: { triggers?: Array<{ type?: string; name?: string; metadata?: Record<string, string> }> };
};

export function operatorDashboardSource(o: OperatorDashboardSourceOptions): DashboardSource {
  const parsed = new Map<string, { rv: string | undefined; value: DashboardObject }>();
  const toObject = (kind: DashboardKind, raw: Raw): DashboardObject => {
    const key = `${kind}/${raw.metadata.namespace}/${raw.metadata.name}`;
    const hit = parsed.get(key);
    if (hit && hit.rv !== undefined && hit.rv === raw.metadata.resourceVersion) return hit.value;
    const conditions = raw.status?.conditions ?? [];
    const base = { kind, namespace: raw.metadata.namespace ?? '', name: raw.metadata.name, conditions };
    let value: DashboardObject;
    const p = kind === 'ScaledObject' ? parseScaledObject(raw) : parseScaledJob(raw);
    if (p.ok) {
      const v = p.value as ScaledObject | ScaledJob;
      value = {
        ...base,
        ...(v.kind === 'ScaledObject' ? { so: v } : {}),
        minReplicaCount: v.spec.minReplicaCount ?? 0,
        maxReplicaCount: v.spec.maxReplicaCount ?? (kind === 'ScaledJob' ? 100 : 100),
        triggers: v.spec.triggers.map((t) => ({ type: t.type, ...(t.name ? { name: t.name } : {}), metadata: t.metadata })),
      };
    } else {
      value = {
        ...base,
        minReplicaCount: 0,
        maxReplicaCount: 0,
        triggers: (raw.spec?.triggers ?? []).map((t) => ({ type: String(t.type ?? '?'), ...(t.name ? { name: t.name } : {}), metadata: t.metadata ?? {} })),
        problems: p.problems.filter((x) => x.severity === 'error').map((x) => `${x.path}: ${x.message}`),
      };
    }
    parsed.set(key, { rv: raw.metadata.resourceVersion, value });
    if (parsed.size > 50_000) parsed.delete(parsed.keys().next().value as string);
    return value;
  };
  return {
    list() {
      const sos = o.scaledObjects().map((raw) => {
        const obj = toObject('ScaledObject', raw as Raw);
        const mode = o.modeOf(obj.namespace, obj.name) ?? ((raw as Raw).status?.hpaName ? 'hpa' : o.defaultMode);
        return obj.mode === mode ? obj : Object.assign(obj, { mode });
      });
      const sjs = o.scaledJobs().map((raw) => Object.assign(toObject('ScaledJob', raw as Raw), { mode: 'job' as const }));
      return [...sos, ...sjs];
    },
    explain: (namespace, name) => explainReport(o.client, namespace, name),
    async events(kind, namespace, name): Promise<DashboardEvent[]> {
      const list = await o.client.listAll<EventLike>(GVR.events, { namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
      return list.items
        .sort((a, b) => Date.parse(a.lastTimestamp ?? a.eventTime ?? '') - Date.parse(b.lastTimestamp ?? b.eventTime ?? ''))
        .slice(-20)
        .map((e) => ({
          ...((e.lastTimestamp ?? e.eventTime) ? { at: e.lastTimestamp ?? e.eventTime } : {}),
          ...(e.type ? { type: e.type } : {}),
          ...(e.reason ? { reason: e.reason } : {}),
          ...(e.message ? { message: e.message } : {}),
          ...(e.count !== undefined ? { count: e.count } : {}),
          ...(e.involvedObject?.kind ? { involvedKind: e.involvedObject.kind } : {}),
        }));
    },
  };
}
