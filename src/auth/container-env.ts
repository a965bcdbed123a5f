// The environment of the scale target's container, for `xxxFromEnv` parameters and TriggerAuthentication `env`
// (KEDA `pkg/scaling/resolver/scale_resolvers.go` `resolveEnv`).
import type { ObjectSource } from './object-source.ts';

/** The parts of a Kubernetes container spec that contribute environment variables. */
export interface ContainerEnvSpec {
  name: string;
  envFrom?: Array<{
    prefix?: string;
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      configMapKeyRef?: { name: string; key: string; optional?: boolean };
      fieldRef?: unknown;
      resourceFieldRef?: unknown;
    };
  }>;
}

/** The pod template spec of a scale target (only what auth resolution reads). */
export interface PodSpecLike {
  containers: ContainerEnvSpec[];
  serviceAccountName?: string;
}

/** A reference in the container's env cannot be resolved. Never carries a value. */
export class EnvResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvResolutionError';
  }
}

/** KEDA: `envSourceContainerName` when set, else the first container. */
export function pickContainer(pod: PodSpecLike, containerName?: string): ContainerEnvSpec | undefined {
  if (containerName) return pod.containers.find((c) => c.name === containerName);
  return pod.containers[0];
}

/**
 * Kubernetes `$(VAR)` expansion against variables defined earlier: `$$` escapes a `$`, references to unknown
 * variables are kept verbatim (k8s.io/kubernetes third_party/forked/golang/expansion).
 */
export function expandEnvValue(value: string, defined: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '$' || i + 1 >= value.length) {
      out += c;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = value.indexOf(')', i + 2);
      if (close === -1) {
        out += value.slice(i);
        break;
      }
      const name = value.slice(i + 2, close);
      out += Object.hasOwn(defined, name) ? defined[name] : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Resolve one container's environment: `envFrom` sources first (with `prefix`, `optional` honoured), then `env`
 * entries in order (literal values expanded, secretKeyRef, configMapKeyRef); fieldRef/resourceFieldRef are skipped
 * like in KEDA. A missing non-optional reference is an error naming the object and key (never a value).
 */
export async function resolveContainerEnv(source: ObjectSource, namespace: string, container: ContainerEnvSpec): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const data = await source.getConfigMap(namespace, from.configMapRef.name);
      if (!data) {
        if (from.configMapRef.optional) continue;
        throw new EnvResolutionError(`container ${container.name}: envFrom ConfigMap ${namespace}/${from.configMapRef.name} not found`);
      }
      for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const data = await source.getSecret(namespace, from.secretRef.name);
      if (!data) {
        if (from.secretRef.optional) continue;
        throw new EnvResolutionError(`container ${container.name}: envFrom Secret ${namespace}/${from.secretRef.name} not found`);
      }
      for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined && !e.valueFrom) {
      env[e.name] = expandEnvValue(e.value, env);
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (!ref) continue;
    const kind = e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const data = kind === 'Secret' ? await source.getSecret(namespace, ref.name) : await source.getConfigMap(namespace, ref.name);
    const value = data?.[ref.key];
    if (value === undefined) {
      if (ref.optional) continue;
      throw new EnvResolutionError(
        `container ${container.name}: env ${e.name} refers to key "${ref.key}" of ${kind} ${namespace}/${ref.name}, which ${data ? 'has no such key' : 'does not exist'}`,
      );
    }
    env[e.name] = value;
  }
  return env;
}
