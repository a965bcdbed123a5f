// Where auth resolution reads Kubernetes objects from. The operator backs it with the cluster (informer caches);
// `updraft probe` and tests use the in-memory implementation below, filled from manifests.
import type { TriggerAuthentication } from '../api/types.ts';

export interface ObjectSource {
  /** Decoded `data` (base64 undone) merged with `stringData`; undefined when the Secret does not exist. */
  getSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  getConfigMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  getTriggerAuthentication(namespace: string, name: string): Promise<TriggerAuthentication | undefined>;
  getClusterTriggerAuthentication(name: string): Promise<TriggerAuthentication | undefined>;
  /**
   * A ServiceAccount's annotations (`eks.amazonaws.com/role-arn` for workload identity); undefined when it does not
   * exist. Optional: sources without a cluster behind them leave it out.
   */
  getServiceAccount?(namespace: string, name: string): Promise<{ annotations: Record<string, string> } | undefined>;
  /** A bound token of a ServiceAccount (TokenRequest, `expirationSeconds`), for boundServiceAccountToken and Vault. */
  createServiceAccountToken?(namespace: string, name: string, expirationSeconds: number): Promise<string>;
  /** The operator's --filepath-auth-root-path (ClusterTriggerAuthentication `filePath`); unset disables filePath. */
  readonly filePathAuthRoot?: string;
}

/** A fixed set of objects held in memory. */
export class InMemoryObjectSource implements ObjectSource {
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly configMaps = new Map<string, Record<string, string>>();
  private readonly triggerAuths = new Map<string, TriggerAuthentication>();
  private readonly clusterTriggerAuths = new Map<string, TriggerAuthentication>();
  private readonly serviceAccounts = new Map<string, Record<string, string>>();
  /** Tokens minted by createServiceAccountToken, in order (tests look at them). */
  readonly tokenRequests: Array<{ namespace: string; name: string; expirationSeconds: number }> = [];
  filePathAuthRoot?: string;

  addServiceAccount(namespace: string, name: string, annotations: Record<string, string> = {}): this {
    this.serviceAccounts.set(`${namespace}/${name}`, { ...annotations });
    return this;
  }

  async getServiceAccount(namespace: string, name: string) {
    const a = this.serviceAccounts.get(`${namespace}/${name}`);
    return a && { annotations: { ...a } };
  }

  /** Not a JWT: `token:<namespace>/<name>:<n>`, enough to see which account a parameter got. */
  async createServiceAccountToken(namespace: string, name: string, expirationSeconds: number) {
    if (!this.serviceAccounts.has(`${namespace}/${name}`)) throw new Error(`serviceaccounts "${name}" not found`);
    this.tokenRequests.push({ namespace, name, expirationSeconds });
    return `token:${namespace}/${name}:${this.tokenRequests.length}`;
  }

  addSecret(namespace: string, name: string, data: Record<string, string>): this {
    this.secrets.set(`${namespace}/${name}`, { ...data });
    return this;
  }

  /** Adds a Secret given as a Kubernetes manifest body: `data` is base64, `stringData` plain (and wins). */
  addSecretManifest(namespace: string, name: string, data: Record<string, string> = {}, stringData: Record<string, string> = {}): this {
    const decoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) decoded[k] = Buffer.from(v, 'base64').toString('utf8');
    return this.addSecret(namespace, name, { ...decoded, ...stringData });
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string>): this {
    this.configMaps.set(`${namespace}/${name}`, { ...data });
    return this;
  }

  addTriggerAuthentication(ta: TriggerAuthentication): this {
    if (ta.kind === 'ClusterTriggerAuthentication') this.clusterTriggerAuths.set(ta.metadata.name, ta);
    else this.triggerAuths.set(`${ta.metadata.namespace}/${ta.metadata.name}`, ta);
    return this;
  }

  async getSecret(namespace: string, name: string) {
    const s = this.secrets.get(`${namespace}/${name}`);
    return s && { ...s };
  }

  async getConfigMap(namespace: string, name: string) {
    const c = this.configMaps.get(`${namespace}/${name}`);
    return c && { ...c };
  }

  async getTriggerAuthentication(namespace: string, name: string) {
    return this.triggerAuths.get(`${namespace}/${name}`);
  }

  async getClusterTriggerAuthentication(name: string) {
    return this.clusterTriggerAuths.get(name);
  }
}
