// KEDA's admission-webhook rules that need no cluster (KEDA `apis/keda/v1alpha1/*_webhook.go`), plus checks for objects that the API server
// accepts but that can never work, as pure functions over parsed objects. Each returns Problem[]; messages keep
// KEDA's wording where KEDA has one. The scalingModifiers formula is compiled by engine/formula.ts, which api/
// must not import (DESIGN.md): callers (CLI, webhook) run `validateScalingModifiers` from there as well.
import { gvkr, gvkString } from './gvkr.ts';
import { hpaMinReplicas, hpaName } from './hpa-spec.ts';
import { parseGoBool, pausedReplicas } from './pause.ts';
import { parseGoInt } from './values.ts';
import { DNS_SUBDOMAIN } from './object-meta.ts';
import { objectLabel, quote, truncate, type Problem } from './problem.ts';
import {
  ANNOTATION_FORCE_ACTIVATION,
  ANNOTATION_PAUSED,
  ANNOTATION_PAUSED_SCALE_IN,
  ANNOTATION_PAUSED_SCALE_OUT,
  ANNOTATION_TRANSFER_HPA_OWNERSHIP,
  ANNOTATION_UPDRAFT_MODE,
  type KedaObject,
  type ScaledJob,
  type ScaledObject,
  type Trigger,
  type TriggerAuthentication,
} from './types.ts';

export { gvkr, gvkString } from './gvkr.ts';
export { hpaMaxReplicas, hpaMinReplicas, hpaName } from './hpa-spec.ts';
export { isForceActivated, isPaused, isPausedScaleIn, isPausedScaleOut, parseBoolAnnotation, parseGoBool, pausedReplicas } from './pause.ts';

/** Kubernetes label values (and so names used as label values) are at most 63 characters. */
const MAX_NAME = 63;
const RESOURCE_TRIGGERS = new Set(['cpu', 'memory']);
/** KEDA `ValidateTriggers`: useCachedMetrics is rejected for these types. */
const NO_CACHED_METRICS = new Set(['cpu', 'memory', 'cron']);

export function label(obj: KedaObject): string {
  return objectLabel(obj.kind, obj.metadata.namespace || undefined, obj.metadata.name);
}

function problem(obj: KedaObject, severity: Problem['severity'], path: string, message: string, fix?: string): Problem {
  const p: Problem = { severity, object: label(obj), path, message };
  if (fix) p.fix = fix;
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// ScaledObject

/**
 * KEDA `CheckReplicaCountBoundsAreValid`: min is 0 when minReplicaCount is unset, else max(minReplicaCount, 1).
 * So `idleReplicaCount: 0` is rejected without minReplicaCount but accepted with `minReplicaCount: 0`.
 */
export function verifyReplicaCount(so: ScaledObject): Problem[] {
  const out: Problem[] = [];
  const min = so.spec.explicit.minReplicaCount ? hpaMinReplicas(so) : 0;
  const max = so.spec.maxReplicaCount;
  if (min > max) {
    out.push(
      problem(
        so,
        'error',
        'spec.minReplicaCount',
        `MinReplicaCount=${min} must be less than MaxReplicaCount=${max}`,
        `lower minReplicaCount or raise maxReplicaCount to at least ${min}`,
      ),
    );
  }
  const idle = so.spec.idleReplicaCount;
  if (idle !== undefined) {
    if (idle >= min) {
      const fix = so.spec.explicit.minReplicaCount
        ? `set idleReplicaCount below ${min} (in practice 0) or raise minReplicaCount`
        : 'set minReplicaCount explicitly (KEDA counts an unset minReplicaCount as 0 here, but an explicit 0 as 1), or remove idleReplicaCount';
      out.push(problem(so, 'error', 'spec.idleReplicaCount', `IdleReplicaCount=${idle} must be less than MinReplicaCount=${min}`, fix));
    } else if (idle > 0) {
      // The HPA owns 1..N and cannot hold a count below its minReplicas, so only 0 behaves as documented (#2314).
      out.push(
        problem(
          so,
          'warning',
          'spec.idleReplicaCount',
          `idleReplicaCount=${idle} does not stay put: the HPA (minReplicas ${hpaMinReplicas(so)}) takes over as soon as it runs; only idleReplicaCount: 0 works reliably (KEDA #2314)`,
          'use idleReplicaCount: 0 or remove it',
        ),
      );
    }
  }
  return out;
}

/**
 * KEDA `CheckFallbackValid`. Without scalingModifiers, fallback needs a trigger that is not cpu/memory. KEDA's
 * message still says "AverageValue" but Value targets have worked since KEDA 2.18 (KEDA `scaledobject_types.go` `CheckFallbackValid`).
 */
export function verifyFallback(so: ScaledObject): Problem[] {
  const fb = so.spec.fallback;
  if (!fb) return [];
  const out: Problem[] = [];
  if (fb.failureThreshold < 0 || fb.replicas < 0) {
    out.push(
      problem(so, 'error', 'spec.fallback', `FailureThreshold=${fb.failureThreshold} & Replicas=${fb.replicas} must both be greater than or equal to 0`),
    );
  }
  const sm = so.spec.advanced.scalingModifiers;
  if (!sm && so.spec.triggers.every((t) => RESOURCE_TRIGGERS.has(t.type))) {
    out.push(
      problem(
        so,
        'error',
        'spec.fallback',
        'at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled (Value targets are fine too: fallback only needs a trigger that is not cpu or memory)',
        'add an event-source trigger or remove spec.fallback',
      ),
    );
  }
  if (sm?.target !== undefined && parseGoInt(sm.target, 64) === undefined) {
    // pkg/fallback/fallback.go: strconv.ParseInt(target, 10, 64)
    out.push(
      problem(
        so,
        'warning',
        'spec.advanced.scalingModifiers.target',
        `with scalingModifiers, KEDA only applies fallback when scalingModifiers.target is an integer; got ${quote(sm.target)}`,
        'use an integer target, e.g. "2"',
      ),
    );
  }
  return out;
}

/** KEDA webhook `verifyName`: the ScaledObject name and its HPA name are label values, so at most 63 characters. */
export function verifyName(so: ScaledObject): Problem[] {
  const out: Problem[] = [];
  if (so.metadata.name.length > MAX_NAME) {
    out.push(
      problem(
        so,
        'error',
        'metadata.name',
        `ScaledObject name is ${so.metadata.name.length} characters; it must be at most ${MAX_NAME} (it is used as a label value)`,
        'use a shorter name',
      ),
    );
  }
  const hpa = hpaName(so);
  if (hpa.length > MAX_NAME) {
    const explicit = Boolean(so.spec.advanced.horizontalPodAutoscalerConfig?.name);
    out.push(
      problem(
        so,
        'error',
        explicit ? 'spec.advanced.horizontalPodAutoscalerConfig.name' : 'metadata.name',
        `HPA name '${truncate(hpa)}' is ${hpa.length} characters; it must be at most ${MAX_NAME}`,
        explicit
          ? 'use a shorter advanced.horizontalPodAutoscalerConfig.name'
          : `shorten the ScaledObject name to at most ${MAX_NAME - 'keda-hpa-'.length} characters, or set a short advanced.horizontalPodAutoscalerConfig.name`,
      ),
    );
  }
  // The HPA's own name rule (pkg/apis/autoscaling/validation/validation.go, ValidateHorizontalPodAutoscalerName:
  // NameIsDNSSubdomain). `keda-hpa-<name>` satisfies it whenever the ScaledObject's name does; an explicit name may not.
  const explicitName = so.spec.advanced.horizontalPodAutoscalerConfig?.name;
  if (explicitName && !DNS_SUBDOMAIN.test(explicitName)) {
    out.push(
      problem(
        so,
        'error',
        'spec.advanced.horizontalPodAutoscalerConfig.name',
        `HPA name ${quote(explicitName)} is not a valid object name: it must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", starting and ending alphanumeric); the API server would refuse the HPA and the ScaledObject would never become ready`,
        'use a lowercase name such as "orders-hpa"',
      ),
    );
  }
  return out;
}

/** autoscaling/v2 limits (pkg/apis/autoscaling/validation/validation.go: MaxStabilizationWindowSeconds, MaxPeriodSeconds). */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
export const MAX_PERIOD_SECONDS = 1800;

/**
 * What the API server checks when KEDA creates the HPA from `advanced.horizontalPodAutoscalerConfig.behavior`
 * (pkg/apis/autoscaling/validation/validation.go, validateScalingRules and validateScalingPolicy):
 * stabilizationWindowSeconds 0..3600, each policy's periodSeconds 1..1800 and value > 0. KEDA's CRD checks only
 * the types, so such a ScaledObject is accepted but its HPA is refused on every reconcile.
 */
export function verifyHpaBehavior(so: ScaledObject): Problem[] {
  const out: Problem[] = [];
  const behavior = so.spec.advanced.horizontalPodAutoscalerConfig?.behavior;
  if (!behavior) return out;
  const refused = 'the API server refuses the generated HPA, so the ScaledObject never gets one';
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const rules = behavior[dir];
    if (!rules) continue;
    const at = `spec.advanced.horizontalPodAutoscalerConfig.behavior.${dir}`;
    const w = rules.stabilizationWindowSeconds;
    if (w !== undefined && (w < 0 || w > MAX_STABILIZATION_WINDOW_SECONDS)) {
      out.push(
        problem(
          so,
          'error',
          `${at}.stabilizationWindowSeconds`,
          `stabilizationWindowSeconds must be between 0 and ${MAX_STABILIZATION_WINDOW_SECONDS} (one hour), got ${w}; ${refused}`,
          `set stabilizationWindowSeconds to ${w < 0 ? 0 : MAX_STABILIZATION_WINDOW_SECONDS} or less`,
        ),
      );
    }
    (rules.policies ?? []).forEach((policy, i) => {
      const pat = `${at}.policies[${i}]`;
      if (policy.value <= 0) {
        out.push(
          problem(
            so,
            'error',
            `${pat}.value`,
            `a scaling policy's value must be greater than zero, got ${policy.value}; ${refused}`,
            dir === 'scaleUp'
              ? 'use a positive value, or selectPolicy: Disabled to stop scaling up'
              : 'use a positive value, or selectPolicy: Disabled to stop scaling down',
          ),
        );
      }
      if (policy.periodSeconds <= 0 || policy.periodSeconds > MAX_PERIOD_SECONDS) {
        out.push(
          problem(
            so,
            'error',
            `${pat}.periodSeconds`,
            `a scaling policy's periodSeconds must be between 1 and ${MAX_PERIOD_SECONDS} (30 minutes), got ${policy.periodSeconds}; ${refused}`,
            `set periodSeconds between 1 and ${MAX_PERIOD_SECONDS}`,
          ),
        );
      }
    });
  }
  return out;
}

/**
 * KEDA `ValidateTriggers` plus the metricType rules of `pkg/scalers/scaler.go` / `cpu_memory_scaler.go`: at least one trigger; no
 * useCachedMetrics on cpu/memory/cron; unique non-empty names; Utilization only for cpu/memory; cpu/memory need
 * metricType Utilization or AverageValue; ScaledJob triggers take no metricType and ignore useCachedMetrics.
 */
export function verifyTriggers(obj: ScaledObject | ScaledJob): Problem[] {
  const out: Problem[] = [];
  const triggers = obj.spec.triggers;
  if (triggers.length === 0) {
    out.push(problem(obj, 'error', 'spec.triggers', `no triggers defined in the ${obj.kind}`, 'add at least one entry under spec.triggers'));
  }
  const seen = new Map<string, number>();
  triggers.forEach((t: Trigger, i) => {
    const at = `spec.triggers[${i}]`;
    if (t.useCachedMetrics && NO_CACHED_METRICS.has(t.type)) {
      out.push(
        problem(
          obj,
          'error',
          `${at}.useCachedMetrics`,
          `property "useCachedMetrics" is not supported for "${t.type}" scaler`,
          'remove useCachedMetrics from this trigger',
        ),
      );
    } else if (t.useCachedMetrics && obj.kind === 'ScaledJob') {
      out.push(problem(obj, 'warning', `${at}.useCachedMetrics`, 'useCachedMetrics is ignored on ScaledJob triggers (there is no HPA to serve)', 'remove it'));
    }
    if (t.name) {
      const first = seen.get(t.name);
      if (first !== undefined) {
        out.push(
          problem(
            obj,
            'error',
            `${at}.name`,
            `triggerName ${quote(t.name)} is defined multiple times in the ${obj.kind}, but it must be unique (also used by triggers[${first}])`,
            'give each trigger a distinct name',
          ),
        );
      } else seen.set(t.name, i);
    }
    if (obj.kind === 'ScaledJob') {
      if (t.metricType) out.push(problem(obj, 'error', `${at}.metricType`, 'Cannot set metricType in ScaledJob triggers', 'remove metricType'));
      return;
    }
    const resource = RESOURCE_TRIGGERS.has(t.type);
    if (resource) {
      if (!t.metricType) {
        const legacy = t.metadata.type;
        out.push(
          problem(
            obj,
            'error',
            `${at}.metricType`,
            `the ${t.type} trigger needs metricType (Utilization or AverageValue) on the trigger itself`,
            legacy
              ? `move metadata.type: ${legacy} to the trigger as metricType: ${legacy} (metadata.type was removed in KEDA 2.18)`
              : 'add metricType: Utilization (percent of requests) or AverageValue',
          ),
        );
      } else if (t.metricType === 'Value') {
        out.push(
          problem(
            obj,
            'error',
            `${at}.metricType`,
            `metricType Value is not supported for the ${t.type} scaler, allowed values are 'Utilization' or 'AverageValue'`,
            'use Utilization or AverageValue',
          ),
        );
      }
    } else if (t.metricType === 'Utilization') {
      out.push(
        problem(
          obj,
          'error',
          `${at}.metricType`,
          "'Utilization' metric type is unsupported for external metrics, allowed values are 'Value' or 'AverageValue'",
          'use AverageValue (per replica) or Value (total)',
        ),
      );
    }
  });
  return out;
}

/**
 * The warnings of KEDA's `verifyScaledObjects`: with minReplicaCount > 0 and no idleReplicaCount the target never
 * goes to zero, so pollingInterval (unless a trigger uses cached metrics) and cooldownPeriod do nothing.
 */
export function verifyScaledObjectWarnings(so: ScaledObject): Problem[] {
  const out: Problem[] = [];
  const s = so.spec;
  if (s.minReplicaCount > 0 && s.idleReplicaCount === undefined) {
    if (s.explicit.pollingInterval && !s.triggers.some((t) => t.useCachedMetrics)) {
      out.push(
        problem(
          so,
          'warning',
          'spec.pollingInterval',
          `PollingInterval is configured but is not relevant under KEDA: with minReplicaCount=${s.minReplicaCount} and no idleReplicaCount the target never scales to zero, and the source is read on every HPA metrics request (every 15 s by default), by KEDA and by Updraft alike`,
          'remove it, or set useCachedMetrics: true on the triggers so the HPA is answered from readings at most pollingInterval old',
        ),
      );
    }
    if (s.explicit.cooldownPeriod) {
      out.push(
        problem(
          so,
          'warning',
          'spec.cooldownPeriod',
          `CooldownPeriod is configured but is not relevant: it only delays scaling to zero (or idleReplicaCount), and this ScaledObject never goes below minReplicaCount=${s.minReplicaCount}; scale-down above that follows the HPA stabilization window (300 s by default)`,
          'remove cooldownPeriod; to scale down faster set advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds',
        ),
      );
    }
  }
  return out;
}

/** KEDA webhook [scaling-modifiers-fallback]. */
export function verifyScalingModifiersFallback(so: ScaledObject): Problem[] {
  if (so.spec.fallback?.behavior !== 'scalingModifiers' || so.spec.advanced.scalingModifiers?.formula) return [];
  return [
    problem(
      so,
      'error',
      'spec.fallback.behavior',
      'scalingModifiers fallback behavior requires scalingModifiers.formula to be defined',
      'add advanced.scalingModifiers.formula, or use another fallback.behavior',
    ),
  ];
}

/**
 * KEDA webhook [scale-to-zero-requirements-not-met], the part that needs no cluster: an HPA cannot scale on
 * cpu/memory from zero pods, so an object with only cpu/memory triggers needs minReplicaCount ≥ 1.
 */
export function verifyCpuMemoryMinReplicas(so: ScaledObject): Problem[] {
  const t = so.spec.triggers;
  if (t.length === 0 || !t.every((x) => RESOURCE_TRIGGERS.has(x.type))) return [];
  if (so.spec.explicit.minReplicaCount && so.spec.minReplicaCount > 0) return [];
  return [
    problem(
      so,
      'error',
      'spec.minReplicaCount',
      "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in this case)",
      'set minReplicaCount: 1 (or more), or add an event-source trigger',
    ),
  ];
}

/** Annotation values KEDA reads (`apis/keda/v1alpha1/scaledobject_types.go`) and Updraft's mode annotation. */
export function verifyAnnotations(so: ScaledObject): Problem[] {
  const out: Problem[] = [];
  const a = so.metadata.annotations;
  const at = (key: string) => `metadata.annotations.${key}`;
  const paused = pausedReplicas(so);
  if (paused && 'error' in paused)
    out.push(
      problem(
        so,
        'error',
        at('autoscaling.keda.sh/paused-replicas'),
        `${paused.error}; the object is paused but the reconcile fails`,
        'use a whole number such as "0"',
      ),
    );
  for (const key of [ANNOTATION_PAUSED, ANNOTATION_PAUSED_SCALE_IN, ANNOTATION_PAUSED_SCALE_OUT, ANNOTATION_FORCE_ACTIVATION]) {
    const v = a[key];
    if (v !== undefined && parseGoBool(v) === undefined) {
      out.push(
        problem(so, 'warning', at(key), `${key}: ${quote(v)} is not a boolean, so it counts as "true" (only "false" turns it off)`, 'use "true" or "false"'),
      );
    }
  }
  if (a[ANNOTATION_TRANSFER_HPA_OWNERSHIP] === 'true' && !so.spec.advanced.horizontalPodAutoscalerConfig?.name) {
    out.push(
      problem(
        so,
        'warning',
        at(ANNOTATION_TRANSFER_HPA_OWNERSHIP),
        'HPA ownership transfer needs the existing HPA to be named in advanced.horizontalPodAutoscalerConfig.name; without it an existing HPA on the same target is rejected',
        "set advanced.horizontalPodAutoscalerConfig.name to the existing HPA's name",
      ),
    );
  }
  const mode = a[ANNOTATION_UPDRAFT_MODE];
  if (mode !== undefined && mode !== 'hpa' && mode !== 'direct') {
    out.push(
      problem(
        so,
        'error',
        at(ANNOTATION_UPDRAFT_MODE),
        `${ANNOTATION_UPDRAFT_MODE} must be "hpa" or "direct", got ${quote(mode)}`,
        'use "hpa" (default, KEDA-compatible) or "direct"',
      ),
    );
  }
  return out;
}

export function validateScaledObject(so: ScaledObject): Problem[] {
  return [
    ...verifyName(so),
    ...verifyHpaBehavior(so),
    ...verifyReplicaCount(so),
    ...verifyFallback(so),
    ...verifyScalingModifiersFallback(so),
    ...verifyCpuMemoryMinReplicas(so),
    ...verifyTriggers(so),
    ...verifyScaledObjectWarnings(so),
    ...verifyAnnotations(so),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// ScaledJob

/** KEDA's webhook runs only `verifyTriggers` on ScaledJobs; the rest are objects that would fail at Job creation. */
export function validateScaledJob(sj: ScaledJob): Problem[] {
  const out = verifyTriggers(sj);
  const s = sj.spec;
  if (s.maxReplicaCount !== undefined && s.minReplicaCount > s.maxReplicaCount) {
    out.push(
      problem(
        sj,
        'warning',
        'spec.minReplicaCount',
        `minReplicaCount=${s.minReplicaCount} is greater than maxReplicaCount=${s.maxReplicaCount}; KEDA clamps it to ${s.maxReplicaCount}`,
        'set minReplicaCount ≤ maxReplicaCount',
      ),
    );
  }
  if (s.rolloutStrategy) {
    out.push(
      problem(
        sj,
        'warning',
        'spec.rolloutStrategy',
        `rolloutStrategy is deprecated${s.rollout.strategy && s.rollout.strategy !== s.rolloutStrategy ? ` and overrides rollout.strategy (${s.rollout.strategy})` : ''}`,
        `use rollout.strategy: ${s.rolloutStrategy}`,
      ),
    );
  }
  // batch/v1 Jobs reject pods with restartPolicy Always, which is the Pod default when it is not set.
  const template = s.jobTargetRef.template;
  const podSpec = typeof template === 'object' && template !== null ? (template as Record<string, unknown>).spec : undefined;
  const restart = typeof podSpec === 'object' && podSpec !== null ? (podSpec as Record<string, unknown>).restartPolicy : undefined;
  if (restart !== 'Never' && restart !== 'OnFailure') {
    out.push(
      problem(
        sj,
        'error',
        'spec.jobTargetRef.template.spec.restartPolicy',
        `a Job's pods need restartPolicy Never or OnFailure, got ${restart === undefined ? 'none (the Pod default is Always)' : typeof restart === 'string' ? quote(restart) : truncate(JSON.stringify(restart) ?? String(restart))}; every Job creation would be rejected`,
        'set jobTargetRef.template.spec.restartPolicy: Never',
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// TriggerAuthentication / ClusterTriggerAuthentication (KEDA `triggerauthentication_webhook.go`)

export function validateTriggerAuthentication(ta: TriggerAuthentication): Problem[] {
  const out: Problem[] = [];
  const s = ta.spec;
  const pi = s.podIdentity;
  if (pi) {
    if (pi.provider === 'azure-workload') {
      if (pi.identityId !== undefined && pi.identityId === '')
        out.push(
          problem(
            ta,
            'error',
            'spec.podIdentity.identityId',
            'identityId of PodIdentity should not be empty. If it\'s set, identityId has to be different than ""',
            'remove identityId or set it to the client id',
          ),
        );
      if (pi.identityTenantId !== undefined && pi.identityTenantId === '')
        out.push(
          problem(
            ta,
            'error',
            'spec.podIdentity.identityTenantId',
            'identityTenantId of PodIdentity should not be empty. If it\'s set, identityTenantId has to be different than ""',
            'remove identityTenantId or set it to the tenant id',
          ),
        );
      if (pi.identityAuthorityHost !== undefined && !pi.identityTenantId)
        out.push(
          problem(
            ta,
            'error',
            'spec.podIdentity.identityAuthorityHost',
            'identityTenantId of PodIdentity must be set when identityAuthorityHost is set',
            'set identityTenantId too',
          ),
        );
    }
    if (pi.provider === 'aws' || pi.provider === 'aws-eks') {
      if (pi.roleArn && pi.identityOwner === 'workload')
        out.push(
          problem(
            ta,
            'error',
            'spec.podIdentity.roleArn',
            "roleArn of PodIdentity can't be set if KEDA isn't identityOwner",
            'remove roleArn, or remove identityOwner: workload',
          ),
        );
      if (pi.externalID && !pi.roleArn)
        out.push(problem(ta, 'error', 'spec.podIdentity.externalID', 'externalID of PodIdentity requires roleArn', 'set roleArn, or remove externalID'));
    }
    if (pi.provider === 'aws-eks') out.push(problem(ta, 'warning', 'spec.podIdentity.provider', 'provider aws-eks is deprecated', 'use provider: aws'));
  }
  const o = s.oauth2;
  if (o) {
    if (!o.clientId) out.push(problem(ta, 'error', 'spec.oauth2.clientId', 'clientId is required for oauth2', 'set oauth2.clientId'));
    if (!o.tokenUrl)
      out.push(
        problem(ta, 'error', 'spec.oauth2.tokenUrl', 'tokenUrl is required for oauth2', 'set oauth2.tokenUrl, e.g. https://idp.example.com/oauth2/token'),
      );
    else if (!isHttpUrlWithHost(o.tokenUrl))
      out.push(
        problem(
          ta,
          'error',
          'spec.oauth2.tokenUrl',
          `tokenUrl must be an http(s) URL with a host, got ${quote(o.tokenUrl)}`,
          'use a full URL such as https://idp.example.com/oauth2/token',
        ),
      );
  }
  if (s.filePath !== undefined) {
    if (ta.kind === 'TriggerAuthentication') {
      out.push(
        problem(
          ta,
          'warning',
          'spec.filePath',
          'filePath is only read from a ClusterTriggerAuthentication; it is ignored here',
          'move it to a ClusterTriggerAuthentication',
        ),
      );
    } else if (s.filePath.startsWith('/') || s.filePath.split(/[\\/]/).includes('..')) {
      out.push(
        problem(
          ta,
          'error',
          'spec.filePath',
          `filePath must be relative to the operator's --filepath-auth-root-path and must not contain "..", got ${quote(s.filePath)}`,
          'use a path relative to the configured root',
        ),
      );
    }
  }
  const sources = [
    'podIdentity',
    'secretTargetRef',
    'configMapTargetRef',
    'env',
    'filePath',
    'hashiCorpVault',
    'azureKeyVault',
    'gcpSecretManager',
    'awsSecretManager',
    'boundServiceAccountToken',
    'oauth2',
  ] as const;
  if (!sources.some((k) => s[k] !== undefined)) {
    out.push(problem(ta, 'warning', 'spec', `${ta.kind} has no authentication source, so it adds no parameters`, `set one of ${sources.join(', ')}`));
  }
  return out;
}

function isHttpUrlWithHost(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Any object, and a set of objects applied together

export function validateObject(obj: KedaObject): Problem[] {
  switch (obj.kind) {
    case 'ScaledObject':
      return validateScaledObject(obj);
    case 'ScaledJob':
      return validateScaledJob(obj);
    default:
      return validateTriggerAuthentication(obj);
  }
}

/**
 * Checks across objects given together, as the webhook does against the cluster: one ScaledObject per workload
 * (same namespace, name and GVK) and per HPA name; and the same object defined twice.
 */
export function validateSet(objects: ReadonlyArray<KedaObject>): Problem[] {
  const out: Problem[] = [];
  const byWorkload = new Map<string, ScaledObject>();
  const byHpa = new Map<string, ScaledObject>();
  const byIdentity = new Set<string>();
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    if (byIdentity.has(id)) {
      out.push(problem(obj, 'warning', '', `${label(obj)} is defined more than once; the last definition wins when applied`, 'keep one definition'));
      continue;
    }
    byIdentity.add(id);
    if (obj.kind !== 'ScaledObject') continue;
    const gvk = gvkString(gvkr(obj.spec.scaleTargetRef));
    const workload = `${obj.metadata.namespace}/${gvk}/${obj.spec.scaleTargetRef.name}`;
    const owner = byWorkload.get(workload);
    if (owner) {
      out.push(
        problem(
          obj,
          'error',
          'spec.scaleTargetRef.name',
          `the workload '${truncate(obj.spec.scaleTargetRef.name)}' of type '${truncate(gvk)}' is already managed by the ScaledObject '${truncate(owner.metadata.name)}'`,
          'use one ScaledObject per workload (put all triggers in it)',
        ),
      );
    } else byWorkload.set(workload, obj);
    const hpa = `${obj.metadata.namespace}/${hpaName(obj)}`;
    const hpaOwner = byHpa.get(hpa);
    if (hpaOwner) {
      out.push(
        problem(
          obj,
          'error',
          'spec.advanced.horizontalPodAutoscalerConfig.name',
          `the HPA '${truncate(hpaName(obj))}' is already managed by the ScaledObject '${truncate(hpaOwner.metadata.name)}'`,
          'give each ScaledObject its own HPA name',
        ),
      );
    } else byHpa.set(hpa, obj);
  }
  return out;
}
