// The keda.sh/v1alpha1 object model as Updraft uses it after parsing and defaulting (KEDA `apis/keda/v1alpha1/*_types.go`).
// This file is the contract between api/ (which produces these values from YAML/JSON), engine/, scalers/,
// auth/, runtime/ and operator/. Field names keep KEDA's exact spelling. Optional fields stay optional where
// "unset" has a meaning of its own (idleReplicaCount, fallback, ...); everything with a KEDA default is filled.

export const KEDA_GROUP = 'keda.sh';
export const KEDA_VERSION = 'v1alpha1';
export const KEDA_API_VERSION = `${KEDA_GROUP}/${KEDA_VERSION}`;

export interface ObjectMeta {
  name: string;
  /** Empty for cluster-scoped kinds; defaults to "default" for namespaced kinds parsed without one. */
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
}

export type MetricTargetType = 'AverageValue' | 'Value' | 'Utilization';

export interface AuthenticationRef {
  name: string;
  /** Default TriggerAuthentication. */
  kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication';
}

export interface Trigger {
  type: string;
  /** Optional; unique within the object when non-empty. */
  name?: string;
  /** All values are strings, as in KEDA. */
  metadata: Record<string, string>;
  authenticationRef?: AuthenticationRef;
  /** Undefined means AverageValue for external scalers; cpu/memory require it (KEDA `pkg/scalers/scaler.go`, `cpu_memory_scaler.go`). */
  metricType?: MetricTargetType;
  useCachedMetrics: boolean;
}

export interface ScaleTargetRef {
  name: string;
  /** Default apps/v1. */
  apiVersion: string;
  /** Default Deployment. */
  kind: string;
  envSourceContainerName?: string;
}

// ---- HPA behavior (autoscaling/v2), copied verbatim into the generated HPA ----
export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}
export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
  /** Kubernetes 1.33+: per-direction tolerance (a fraction, e.g. 0.05). */
  tolerance?: number | string;
}
export interface HPABehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export type FallbackBehavior = 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower' | 'scalingModifiers';

export interface Fallback {
  failureThreshold: number;
  replicas: number;
  /** Default static. */
  behavior: FallbackBehavior;
}

export interface ScalingModifiers {
  formula?: string;
  target?: string;
  activationTarget?: string;
  /** Default AverageValue. */
  metricType: 'AverageValue' | 'Value' | 'Utilization';
}

export interface AdvancedConfig {
  restoreToOriginalReplicaCount: boolean;
  horizontalPodAutoscalerConfig?: {
    name?: string;
    behavior?: HPABehavior;
  };
  scalingModifiers?: ScalingModifiers;
}

export interface ScaledObjectSpec {
  scaleTargetRef: ScaleTargetRef;
  /** Default 30 s. */
  pollingInterval: number;
  /** Default 300 s. */
  cooldownPeriod: number;
  /** Default 0 s. */
  initialCooldownPeriod: number;
  /** Unset = idle mode off. */
  idleReplicaCount?: number;
  /** Default 0 (KEDA logic). The HPA's minReplicas is max(min, 1). */
  minReplicaCount: number;
  /** Default 100. */
  maxReplicaCount: number;
  fallback?: Fallback;
  advanced: AdvancedConfig;
  triggers: Trigger[];
  /** Which fields the user set explicitly (webhook warnings depend on it). */
  explicit: { pollingInterval: boolean; cooldownPeriod: boolean; minReplicaCount: boolean; maxReplicaCount: boolean };
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface HealthStatus {
  numberOfFailures: number;
  status: 'Happy' | 'Failing';
}

export interface ScaledObjectStatus {
  scaleTargetKind?: string;
  scaleTargetGVKR?: { group: string; version: string; kind: string; resource: string };
  originalReplicaCount?: number;
  lastActiveTime?: string;
  externalMetricNames?: string[];
  resourceMetricNames?: string[];
  compositeScalerName?: string;
  conditions?: Condition[];
  health?: Record<string, HealthStatus>;
  triggersActivity?: Record<string, { isActive: boolean }>;
  pausedReplicaCount?: number;
  hpaName?: string;
  triggersTypes?: string;
  authenticationsTypes?: string;
}

export interface ScaledObject {
  apiVersion: typeof KEDA_API_VERSION;
  kind: 'ScaledObject';
  metadata: ObjectMeta;
  spec: ScaledObjectSpec;
  status: ScaledObjectStatus;
}

export type ScalingStrategyName = 'default' | 'custom' | 'accurate' | 'eager';

export interface ScaledJobSpec {
  /** batch/v1 JobSpec, kept as given (it is copied into each Job). */
  jobTargetRef: Record<string, unknown>;
  pollingInterval: number;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  envSourceContainerName?: string;
  /** Raw minReplicaCount (default 0); use engine helpers for the effective bounds (KEDA `scaledjob_types.go` `MaxReplicaCount`). */
  minReplicaCount: number;
  /** Raw maxReplicaCount; undefined when unset (effective max is then 100). */
  maxReplicaCount?: number;
  rolloutStrategy?: 'gradual' | 'immediate';
  rollout: { strategy?: 'gradual' | 'immediate'; propagationPolicy: 'foreground' | 'background' };
  scalingStrategy: {
    strategy: ScalingStrategyName;
    customScalingQueueLengthDeduction?: number;
    customScalingRunningJobPercentage?: string;
    pendingPodConditions?: string[];
    multipleScalersCalculation: 'min' | 'avg' | 'sum' | 'max';
  };
  triggers: Trigger[];
}

export interface ScaledJob {
  apiVersion: typeof KEDA_API_VERSION;
  kind: 'ScaledJob';
  metadata: ObjectMeta;
  spec: ScaledJobSpec;
  status: {
    lastActiveTime?: string;
    conditions?: Condition[];
    triggersTypes?: string;
    authenticationsTypes?: string;
    /** Unused by KEDA but in its CRD (json key with a capital P). */
    Paused?: string;
    externalMetricNames?: string[];
    triggersActivity?: Record<string, { isActive: boolean }>;
  };
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface TriggerAuthenticationSpec {
  podIdentity?: {
    provider: 'azure-workload' | 'gcp' | 'aws' | 'aws-eks' | 'none';
    identityId?: string;
    identityTenantId?: string;
    identityAuthorityHost?: string;
    roleArn?: string;
    externalID?: string;
    /** Default keda. */
    identityOwner?: 'keda' | 'workload';
  };
  secretTargetRef?: Array<{ parameter: string; name: string; key: string }>;
  configMapTargetRef?: Array<{ parameter: string; name: string; key: string }>;
  env?: Array<{ parameter: string; name: string; containerName?: string }>;
  /** ClusterTriggerAuthentication only. */
  filePath?: string;
  hashiCorpVault?: Record<string, unknown>;
  azureKeyVault?: Record<string, unknown>;
  gcpSecretManager?: Record<string, unknown>;
  awsSecretManager?: {
    secrets: Array<{ parameter: string; name: string; versionId?: string; versionStage?: string; secretKey?: string }>;
    credentials?: {
      accessKey?: { valueFrom: { secretKeyRef: SecretKeyRef } };
      accessSecretKey?: { valueFrom: { secretKeyRef: SecretKeyRef } };
      accessToken?: { valueFrom: { secretKeyRef: SecretKeyRef } };
    };
    podIdentity?: { provider: string; roleArn?: string; identityOwner?: string };
    region?: string;
  };
  boundServiceAccountToken?: Array<{ parameter: string; serviceAccountName: string }>;
  oauth2?: {
    type: 'clientCredentials';
    clientId: string;
    clientSecret?: { valueFrom: { secretKeyRef: SecretKeyRef } };
    tokenUrl: string;
    scopes?: string[];
    tokenUrlParams?: Record<string, string>;
  };
}

export interface TriggerAuthentication {
  apiVersion: typeof KEDA_API_VERSION;
  kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication';
  metadata: ObjectMeta;
  spec: TriggerAuthenticationSpec;
  status: { scaledobjects?: string; scaledjobs?: string };
}

export type KedaObject = ScaledObject | ScaledJob | TriggerAuthentication;

// ---- Constants the operator, engine and webhook share (KEDA `apis/keda/v1alpha1/scaledobject_types.go`, `controllers/keda/hpa.go`) ----
export const ANNOTATION_PAUSED = 'autoscaling.keda.sh/paused';
export const ANNOTATION_PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';
export const ANNOTATION_PAUSED_SCALE_IN = 'autoscaling.keda.sh/paused-scale-in';
export const ANNOTATION_PAUSED_SCALE_OUT = 'autoscaling.keda.sh/paused-scale-out';
export const ANNOTATION_FORCE_ACTIVATION = 'autoscaling.keda.sh/force-activation';
export const ANNOTATION_TRANSFER_HPA_OWNERSHIP = 'scaledobject.keda.sh/transfer-hpa-ownership';
export const ANNOTATION_HPA_OWNERSHIP_VALIDATION = 'validations.keda.sh/hpa-ownership';
export const ANNOTATION_HPA_EXCLUDED_LABELS = 'scaledobject.keda.sh/hpa-excluded-labels';
export const ANNOTATION_JOB_EXCLUDED_LABELS = 'scaledjob.keda.sh/job-excluded-labels';
/** Updraft extension: `direct` makes the operator apply the HPA algorithm itself (no HPA object). */
export const ANNOTATION_UPDRAFT_MODE = 'updraft.dev/mode';
export const LABEL_SCALEDOBJECT_NAME = 'scaledobject.keda.sh/name';
export const LABEL_SCALEDJOB_NAME = 'scaledjob.keda.sh/name';
export const FINALIZER = 'finalizer.keda.sh';
export const COMPOSITE_METRIC_NAME = 'composite-metric';
