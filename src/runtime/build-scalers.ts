// Build every trigger's scaler of one object: resolve its authentication (KEDA `pkg/scaling/resolver/scale_resolvers.go`), then parse the
// metadata (scalers/). Used by the operator, `updraft up` and `updraft probe`, so all three fail the same way.
import type { ScaledJob, ScaledObject } from '../api/types.ts';
import type { PodSpecLike } from '../auth/container-env.ts';
import type { ObjectSource } from '../auth/object-source.ts';
import { resolveTriggerAuth } from '../auth/resolve-trigger-auth.ts';
import { buildScaler } from '../scalers/index.ts';
import type { ScalerTelemetrySink } from '../scalers/common/scaler-telemetry.ts';
import type { PodWatcher, Scaler } from '../scalers/scaler.ts';

export interface BuildScalersOptions {
  source: ObjectSource;
  /** Pod template spec of the scale target, for `...FromEnv` parameters and TriggerAuthentication `env`. */
  podSpec?: PodSpecLike;
  /** Annotation `eks.amazonaws.com/role-arn` of the workload's ServiceAccount (identityOwner: workload). */
  workloadRoleArn?: string;
  clusterObjectNamespace?: string;
  httpTimeoutMs?: number;
  /** The operator's shared pod watches (kubernetes-workload triggers); absent without a cluster. */
  podWatcher?: PodWatcher;
  /** Where the triggers' HTTP requests and empty answers are counted (the operator's metrics); absent: nowhere. */
  scalerTelemetry?: ScalerTelemetrySink;
}

/** KEDA_HTTP_DEFAULT_TIMEOUT of this process (KEDA `cmd/operator/main.go`: ResolveOsEnvInt("KEDA_HTTP_DEFAULT_TIMEOUT", 3000), ms): set by `updraft operator`, used when a caller passes no httpTimeoutMs. */
let defaultHttpTimeoutMs = 3000;
export function setDefaultHttpTimeoutMs(ms: number): void {
  defaultHttpTimeoutMs = ms;
}

export interface TriggerBuildError {
  triggerIndex: number;
  type: string;
  message: string;
}

export type BuildScalersResult = { ok: true; scalers: Scaler[]; warnings: string[] } | { ok: false; errors: TriggerBuildError[]; warnings: string[] };

export async function buildObjectScalers(obj: ScaledObject | ScaledJob, opts: BuildScalersOptions): Promise<BuildScalersResult> {
  const scalers: Scaler[] = [];
  const errors: TriggerBuildError[] = [];
  const warnings: string[] = [];
  const envSourceContainerName = obj.kind === 'ScaledObject' ? obj.spec.scaleTargetRef.envSourceContainerName : obj.spec.envSourceContainerName;
  for (const [triggerIndex, trigger] of obj.spec.triggers.entries()) {
    try {
      const auth = await resolveTriggerAuth(opts.source, {
        namespace: obj.metadata.namespace,
        objectName: obj.metadata.name,
        objectKind: obj.kind,
        trigger,
        triggerIndex,
        podSpec: opts.podSpec,
        envSourceContainerName,
        workloadRoleArn: opts.workloadRoleArn,
        clusterObjectNamespace: opts.clusterObjectNamespace,
      });
      warnings.push(...auth.warnings);
      const built = buildScaler({
        trigger,
        triggerIndex,
        namespace: obj.metadata.namespace,
        objectName: obj.metadata.name,
        objectKind: obj.kind,
        authParams: auth.authParams,
        resolvedEnv: auth.resolvedEnv,
        podIdentity: auth.podIdentity,
        httpTimeoutMs: opts.httpTimeoutMs ?? defaultHttpTimeoutMs,
        ...(opts.podWatcher ? { podWatcher: opts.podWatcher } : {}),
        ...(opts.scalerTelemetry ? { telemetry: opts.scalerTelemetry } : {}),
      });
      scalers.push(built.resolveMetricSpecs ? await withSourceSpecs(built, opts.httpTimeoutMs ?? defaultHttpTimeoutMs) : built);
    } catch (err) {
      errors.push({ triggerIndex, type: trigger.type, message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (errors.length > 0) {
    await Promise.allSettled(scalers.map((s) => s.close()));
    return { ok: false, errors, warnings };
  }
  return { ok: true, scalers, warnings };
}

/**
 * A scaler whose metric specs only its source knows (KEDA external scalers: GetMetricSpec) gets them now. A failure
 * fails the build, which the operator retries with backoff (KEDA: "no metric specs returned from scalers ... will retry").
 */
async function withSourceSpecs(scaler: Scaler, timeoutMs: number): Promise<Scaler> {
  try {
    return { ...scaler, metricSpecs: await scaler.resolveMetricSpecs!(AbortSignal.timeout(timeoutMs)) };
  } catch (err) {
    await scaler.close().catch(() => undefined);
    throw err;
  }
}
