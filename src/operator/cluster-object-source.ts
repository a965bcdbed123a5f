// ObjectSource backed by the cluster: the operator resolves TriggerAuthentications, Secrets and ConfigMaps
// through the API server. Reads happen when scalers are (re)built, not on every poll. It lives in operator/, the
// layer that may import both auth/ and kube/ (src/layering.test.ts); auth/ itself knows only ObjectSource.
import { parseTriggerAuthentication } from '../api/parse.ts';
import type { TriggerAuthentication } from '../api/types.ts';
import { GVR, isNotFound, resourcePath, type KubeClient, type KubeObject } from '../kube/client.ts';
import type { ObjectSource } from '../auth/object-source.ts';

interface DataObject extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const SERVICE_ACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' } as const;

export class ClusterObjectSource implements ObjectSource {
  readonly filePathAuthRoot?: string;
  private readonly secretsNamespace?: string;

  /**
   * `filePathAuthRoot`: the operator's --filepath-auth-root-path (KEDA `cmd/operator/main.go`).
   * `restrictSecretsToNamespace`: KEDA_RESTRICT_SECRET_ACCESS=true — every Secret is read from the operator's
   * namespace, whatever namespace the (Cluster)TriggerAuthentication or workload names (KEDA
   * `pkg/scaling/resolver/scale_resolvers.go` resolveAuthSecret / resolveSecretValue: `secretsLister.Secrets(kedaNamespace)`),
   * so the operator needs no cluster-wide secrets read (chart: permissions.operator.restrict.secret).
   */
  constructor(
    private readonly client: KubeClient,
    options: { filePathAuthRoot?: string; restrictSecretsToNamespace?: string } = {},
  ) {
    if (options.filePathAuthRoot) this.filePathAuthRoot = options.filePathAuthRoot;
    if (options.restrictSecretsToNamespace) this.secretsNamespace = options.restrictSecretsToNamespace;
  }

  async getServiceAccount(namespace: string, name: string): Promise<{ annotations: Record<string, string> } | undefined> {
    const sa = await this.getOrUndefined(SERVICE_ACCOUNTS, namespace, name);
    return sa && { annotations: { ...(sa.metadata.annotations ?? {}) } };
  }

  /** POST serviceaccounts/<name>/token (KEDA `GenerateBoundServiceAccountToken`): a bound token, audience the API server's default. */
  async createServiceAccountToken(namespace: string, name: string, expirationSeconds: number): Promise<string> {
    const r = await this.client.request<{ status?: { token?: string } }>({
      method: 'POST',
      path: resourcePath(SERVICE_ACCOUNTS, namespace, name, 'token'),
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
    });
    if (!r.status?.token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
    return r.status.token;
  }

  async getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const s = await this.getOrUndefined<DataObject>(GVR.secrets, this.secretsNamespace ?? namespace, name);
    if (!s) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    return { ...out, ...(s.stringData ?? {}) };
  }

  async getConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return (await this.getOrUndefined<DataObject>(GVR.configMaps, namespace, name))?.data ?? undefined;
  }

  async getTriggerAuthentication(namespace: string, name: string): Promise<TriggerAuthentication | undefined> {
    return this.parseAuth(await this.getOrUndefined(GVR.triggerAuthentications, namespace, name));
  }

  async getClusterTriggerAuthentication(name: string): Promise<TriggerAuthentication | undefined> {
    return this.parseAuth(await this.getOrUndefined(GVR.clusterTriggerAuthentications, undefined, name));
  }

  private parseAuth(raw: KubeObject | undefined): TriggerAuthentication | undefined {
    if (!raw) return undefined;
    const parsed = parseTriggerAuthentication(raw);
    if (!parsed.ok)
      throw new Error(
        `${raw.kind ?? 'TriggerAuthentication'} ${raw.metadata.namespace ? `${raw.metadata.namespace}/` : ''}${raw.metadata.name} is invalid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    return parsed.value;
  }

  private async getOrUndefined<T extends KubeObject>(
    gvr: Parameters<KubeClient['get']>[0],
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.client.get<T>(gvr, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
