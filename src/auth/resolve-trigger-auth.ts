// TriggerAuthentication / ClusterTriggerAuthentication resolution (KEDA
// `pkg/scaling/resolver/scale_resolvers.go`): turns a trigger's `authenticationRef` plus the scale target's
// container env into the `{ authParams, resolvedEnv, podIdentity }` a scaler is built from.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { Trigger, TriggerAuthentication, TriggerAuthenticationSpec } from '../api/types.ts';
import { EnvResolutionError, pickContainer, resolveContainerEnv, type PodSpecLike } from './container-env.ts';
import type { ObjectSource } from './object-source.ts';
import {
  boundServiceAccountToken,
  boundTokenExpirySeconds,
  readAwsSecretManager,
  readHashiCorpVault,
  SecretSourceError,
  type HashiCorpVaultSpec,
} from './secret-sources.ts';

export type { ObjectSource } from './object-source.ts';
export { InMemoryObjectSource } from './object-source.ts';

/** The EKS ServiceAccount annotation naming a workload's IAM role (IRSA). */
export const EKS_ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

export interface ResolveTriggerAuthInput {
  /** Namespace and name of the ScaledObject/ScaledJob (TriggerAuthentications and secrets are looked up there). */
  namespace: string;
  objectName: string;
  objectKind: 'ScaledObject' | 'ScaledJob';
  trigger: Trigger;
  triggerIndex: number;
  /** Pod template of the scale target; absent when there is none (local runs): resolvedEnv is then empty. */
  podSpec?: PodSpecLike;
  envSourceContainerName?: string;
  /**
   * Annotation `eks.amazonaws.com/role-arn` of the workload's ServiceAccount, for `identityOwner: workload` and
   * `aws-eks`. When unset it is read through `source.getServiceAccount` from the pod template's
   * `serviceAccountName` (default `default`) in the object's namespace, as KEDA does.
   */
  workloadRoleArn?: string;
  /** Where ClusterTriggerAuthentication secrets/configmaps live (KEDA_CLUSTER_OBJECT_NAMESPACE); default `keda`. */
  clusterObjectNamespace?: string;
  /** Root directory for ClusterTriggerAuthentication `filePath` (KEDA flag --filepath-auth-root-path); default `source.filePathAuthRoot`. */
  filePathAuthRoot?: string;
}

export interface ResolvedTriggerAuth {
  authParams: Record<string, string>;
  resolvedEnv: Record<string, string>;
  podIdentity?: TriggerAuthenticationSpec['podIdentity'];
  /** Things KEDA only logs (skipped secret providers); shown by probe and as Events. */
  warnings: string[];
}

/** Auth cannot be resolved. The message names the object, the trigger and the TriggerAuthentication; never a value. */
export class AuthResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthResolutionError';
  }
}

/**
 * Resolve a trigger's authentication.
 *
 * Deliberate difference from KEDA: a referenced (Cluster)TriggerAuthentication that does not exist is an error here
 * naming it and the object, instead of being logged and leaving the scaler to fail later with "missing required
 * parameter" (KEDA `scale_resolvers.go` `resolveAuthRef`; see docs/authentication.md) — the cause is then visible where the user looks.
 */
export async function resolveTriggerAuth(source: ObjectSource, input: ResolveTriggerAuthInput): Promise<ResolvedTriggerAuth> {
  const where = `${input.objectKind} ${input.namespace}/${input.objectName} trigger ${input.triggerIndex} (${input.trigger.type})`;
  let resolvedEnv: Record<string, string> = {};
  if (input.podSpec) {
    const container = pickContainer(input.podSpec, input.envSourceContainerName);
    if (!container && input.envSourceContainerName) {
      throw new AuthResolutionError(
        `${where}: envSourceContainerName "${input.envSourceContainerName}" names no container of the scale target; use one of ${input.podSpec.containers.map((c) => c.name).join(', ')}`,
      );
    }
    if (container) resolvedEnv = await envOf(source, input.namespace, container.name, input.podSpec, where);
  }

  const warnings: string[] = [];
  const ref = input.trigger.authenticationRef;
  if (!ref) return { authParams: {}, resolvedEnv, warnings };

  const isCluster = ref.kind === 'ClusterTriggerAuthentication';
  const ta = isCluster ? await source.getClusterTriggerAuthentication(ref.name) : await source.getTriggerAuthentication(input.namespace, ref.name);
  if (!ta) {
    const what = isCluster ? `ClusterTriggerAuthentication ${ref.name}` : `TriggerAuthentication ${input.namespace}/${ref.name}`;
    throw new AuthResolutionError(
      `${where}: authenticationRef names ${what}, which does not exist; create it${isCluster ? '' : ` in namespace ${input.namespace}`} or fix authenticationRef.name${isCluster ? '' : ' (set kind: ClusterTriggerAuthentication for a cluster-wide one)'}`,
    );
  }
  const taName = isCluster ? `ClusterTriggerAuthentication ${ref.name}` : `TriggerAuthentication ${input.namespace}/${ref.name}`;
  const objectNamespace = isCluster ? (input.clusterObjectNamespace ?? 'keda') : input.namespace;
  const workloadRole = workloadRoleResolver(source, input, `${where}, ${taName}`);
  const authParams = await mergeAuthParams(source, ta, { ...input, where: `${where}, ${taName}`, objectNamespace, resolvedEnv, workloadRole }, warnings);

  const podIdentity = ta.spec.podIdentity ? { ...ta.spec.podIdentity } : undefined;
  if (podIdentity && (podIdentity.provider === 'aws' || podIdentity.provider === 'aws-eks')) {
    await applyAwsPodIdentity(podIdentity, authParams, workloadRole, `${where}, ${taName}`, warnings);
  }
  return { authParams, resolvedEnv, podIdentity, warnings };
}

async function envOf(source: ObjectSource, namespace: string, containerName: string, pod: PodSpecLike, where: string) {
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container) {
    throw new AuthResolutionError(
      `${where}: container "${containerName}" not found in the scale target; use one of ${pod.containers.map((c) => c.name).join(', ')}`,
    );
  }
  try {
    return await resolveContainerEnv(source, namespace, container);
  } catch (e) {
    if (e instanceof EnvResolutionError) throw new AuthResolutionError(`${where}: error resolving secrets for ScaleTarget: ${e.message}`);
    throw e;
  }
}

interface MergeContext extends ResolveTriggerAuthInput {
  where: string;
  objectNamespace: string;
  resolvedEnv: Record<string, string>;
  workloadRole: WorkloadRole;
}

/** The workload ServiceAccount's role, read once per resolution: `{ serviceAccount, roleArn? }`. */
type WorkloadRole = () => Promise<{ serviceAccount: string; roleArn?: string }>;

// KEDA `scale_resolvers.go` `resolveServiceAccountAnnotation`: the pod template's serviceAccountName, default
// "default", in the object's namespace. EKS Pod Identity associations live in the EKS API, not in the cluster, so
// they cannot be discovered from here: a workload using them needs the annotation too (docs/authentication.md).
function workloadRoleResolver(source: ObjectSource, input: ResolveTriggerAuthInput, where: string): WorkloadRole {
  const serviceAccount = input.podSpec?.serviceAccountName || 'default';
  let memo: Promise<{ serviceAccount: string; roleArn?: string }> | undefined;
  return () =>
    (memo ??= (async () => {
      if (input.workloadRoleArn) return { serviceAccount, roleArn: input.workloadRoleArn };
      if (!source.getServiceAccount) return { serviceAccount };
      let sa: { annotations: Record<string, string> } | undefined;
      try {
        sa = await source.getServiceAccount(input.namespace, serviceAccount);
      } catch (e) {
        throw new AuthResolutionError(`${where}: error getting service account: '${serviceAccount}', error: ${(e as Error).message}`);
      }
      if (!sa) throw new AuthResolutionError(`${where}: error getting service account: '${serviceAccount}' in namespace ${input.namespace}: it does not exist`);
      const roleArn = sa.annotations[EKS_ROLE_ARN_ANNOTATION]?.trim();
      return roleArn ? { serviceAccount, roleArn } : { serviceAccount };
    })());
}

// KEDA merge order, later writes win: env → filePath (returns only the file) → configMapTargetRef → secretTargetRef
// → hashiCorpVault → azureKeyVault → gcpSecretManager → awsSecretManager → boundServiceAccountToken → oauth2.
async function mergeAuthParams(source: ObjectSource, ta: TriggerAuthentication, ctx: MergeContext, warnings: string[]) {
  const spec = ta.spec;
  const params: Record<string, string> = {};

  for (const e of spec.env ?? []) {
    // KEDA reads the variable from the named container (or the env source container) of the target.
    let env = ctx.resolvedEnv;
    if (e.containerName && ctx.podSpec) env = await envOf(source, ctx.namespace, e.containerName, ctx.podSpec, ctx.where);
    params[e.parameter] = env[e.name] ?? '';
  }

  if (spec.filePath) {
    // KEDA: ClusterTriggerAuthentication only; the file's map replaces everything (KEDA `scale_resolvers.go` `resolveAuthRef`).
    if (ta.kind !== 'ClusterTriggerAuthentication') {
      throw new AuthResolutionError(`${ctx.where}: filePath is only allowed on a ClusterTriggerAuthentication`);
    }
    return readFilePathParams(spec.filePath, { ...ctx, filePathAuthRoot: ctx.filePathAuthRoot ?? source.filePathAuthRoot });
  }

  for (const r of spec.configMapTargetRef ?? []) {
    const data = await source.getConfigMap(ctx.objectNamespace, r.name);
    // KEDA: an unreadable key sets the parameter to "" (treated as absent by the scaler's config).
    params[r.parameter] = data?.[r.key] ?? '';
  }
  for (const r of spec.secretTargetRef ?? []) {
    const data = await source.getSecret(ctx.objectNamespace, r.name);
    params[r.parameter] = data?.[r.key] ?? '';
  }

  // KEDA aborts on Vault / Azure Key Vault errors and skips GCP / AWS Secret Manager and bound token errors
  // (logging them); here the skipped ones are warnings, shown by probe and as Events.
  const vault = spec.hashiCorpVault as HashiCorpVaultSpec | undefined;
  if (vault && vault.secrets?.length) {
    try {
      const r = await readHashiCorpVault(vault, { source, namespace: ctx.namespace });
      Object.assign(params, r.values);
      for (const p of r.problems) warnings.push(`${ctx.where}: hashiCorpVault: ${p}; its parameter is ""`);
    } catch (e) {
      if (e instanceof SecretSourceError) throw new AuthResolutionError(`${ctx.where}: hashiCorpVault: ${e.message}`);
      throw e;
    }
  }
  if (spec.azureKeyVault) throw new AuthResolutionError(`${ctx.where}: azureKeyVault is not supported by Updraft yet; use secretTargetRef`);
  if (spec.gcpSecretManager) warnings.push(`${ctx.where}: gcpSecretManager is not supported by Updraft yet; its parameters were skipped`);
  if (spec.awsSecretManager?.secrets?.length) {
    const r = await readAwsSecretManager(spec.awsSecretManager, {
      source,
      secretNamespace: ctx.objectNamespace,
      workloadRoleArn: async () => (await ctx.workloadRole()).roleArn,
    });
    Object.assign(params, r.values);
    for (const p of r.problems) warnings.push(`${ctx.where}: awsSecretManager: ${p}; skipped`);
  }
  if (spec.boundServiceAccountToken?.length) {
    let expiry: number;
    try {
      expiry = boundTokenExpirySeconds();
    } catch (e) {
      throw new AuthResolutionError(`${ctx.where}: boundServiceAccountToken: ${(e as Error).message}`);
    }
    for (const b of spec.boundServiceAccountToken) {
      const r = await boundServiceAccountToken(source, ctx.objectNamespace, b.serviceAccountName, expiry);
      params[b.parameter] = r.token;
      if (r.problem) warnings.push(`${ctx.where}: boundServiceAccountToken ${b.parameter}: ${r.problem}; its parameter is ""`);
    }
  }

  if (spec.oauth2) {
    const o = spec.oauth2;
    params.oauthTokenURI = o.tokenUrl;
    params.clientID = o.clientId;
    if (o.clientSecret) {
      const ref = o.clientSecret.valueFrom.secretKeyRef;
      params.clientSecret = (await source.getSecret(ctx.objectNamespace, ref.name))?.[ref.key] ?? '';
    }
    if (o.scopes?.length) params.scopes = o.scopes.join(',');
    if (o.tokenUrlParams) params.endpointParams = new URLSearchParams(o.tokenUrlParams).toString();
  }
  return params;
}

async function readFilePathParams(filePath: string, ctx: MergeContext): Promise<Record<string, string>> {
  if (!ctx.filePathAuthRoot) {
    throw new AuthResolutionError(`${ctx.where}: filePath needs the operator's file auth root (--filepath-auth-root-path) to be configured`);
  }
  const rel = normalize(filePath);
  if (isAbsolute(filePath) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw new AuthResolutionError(`${ctx.where}: filePath must be relative to the file auth root and must not contain '..', got '${filePath}'`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(ctx.filePathAuthRoot, rel), 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new AuthResolutionError(`${ctx.where}: filePath '${filePath}' ${why}; it must hold a JSON object of string values`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new AuthResolutionError(`${ctx.where}: filePath '${filePath}' must hold a JSON object of string values`);
  }
  return { ...(parsed as Record<string, string>) };
}

// Pod identity post-processing for AWS (KEDA `scale_resolvers.go` `ResolveAuthRefAndPodIdentity`).
async function applyAwsPodIdentity(
  pi: NonNullable<TriggerAuthenticationSpec['podIdentity']>,
  params: Record<string, string>,
  workloadRole: WorkloadRole,
  where: string,
  warnings: string[],
) {
  const owner = pi.identityOwner ?? 'keda';
  if (pi.provider === 'aws-eks') {
    // KEDA: aws-eks assumes the WORKLOAD's role (its ServiceAccount annotation) from the operator's credentials;
    // the annotation is optional there, and without it the trigger falls back to access keys (then fails with
    // "awsAccessKeyID not found"). Said here instead, where the cause is.
    warnings.push(`${where}: podIdentity provider aws-eks is deprecated; use provider aws with identityOwner: workload`);
    const w = await workloadRole();
    if (w.roleArn) params.awsRoleArn = w.roleArn;
    else if (!params.awsRoleArn && !params.awsAccessKeyID && !params.awsAccessKeyId) {
      throw new AuthResolutionError(
        `${where}: podIdentity provider aws-eks uses the workload's role, but ServiceAccount ${w.serviceAccount} has no annotation ${EKS_ROLE_ARN_ANNOTATION}; annotate it, or use provider aws (identityOwner: keda) for the operator's own role`,
      );
    }
    return;
  }
  if (pi.roleArn && owner === 'workload') {
    throw new AuthResolutionError(`${where}: podIdentity.roleArn cannot be used with identityOwner: workload; remove one of them`);
  }
  if (pi.roleArn) params.awsRoleArn = pi.roleArn;
  if (owner === 'workload') {
    const w = await workloadRole();
    if (!w.roleArn) {
      throw new AuthResolutionError(
        `${where}: podIdentity identityOwner: workload needs the annotation ${EKS_ROLE_ARN_ANNOTATION} on the workload's ServiceAccount ${w.serviceAccount}`,
      );
    }
    params.awsRoleArn = w.roleArn;
  }
}
