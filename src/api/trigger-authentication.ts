// TriggerAuthentication (namespaced) and ClusterTriggerAuthentication (cluster-scoped) share one spec
// (KEDA `apis/keda/v1alpha1/triggerauthentication_types.go`): the zod schema and the model mapping.
import { z } from 'zod';
import type { ObjectMeta, TriggerAuthentication, TriggerAuthenticationSpec } from './types.ts';
import { KEDA_API_VERSION } from './types.ts';

const secretKeyRefSchema = z.object({
  name: z.string().describe("Secret name (same namespace; for a ClusterTriggerAuthentication, the operator's cluster object namespace)."),
  key: z.string().describe('Key in the Secret.'),
});
const valueFromSecretSchema = z.object({ valueFrom: z.object({ secretKeyRef: secretKeyRefSchema }) });

export const podIdentitySchema = z
  .object({
    provider: z.enum(['azure-workload', 'gcp', 'aws', 'aws-eks', 'none']).describe('Identity provider; aws-eks is deprecated (use aws).'),
    identityId: z.string().optional().describe('Azure: client id of the workload identity.'),
    identityTenantId: z.string().optional().describe('Azure: tenant id override; requires identityId.'),
    identityAuthorityHost: z.string().optional().describe('Azure: authority host override; requires identityTenantId.'),
    roleArn: z.string().optional().describe('AWS: role to assume. Not with identityOwner: workload.'),
    externalID: z.string().optional().describe('AWS: external id for the assume-role call; requires roleArn.'),
    identityOwner: z
      .enum(['keda', 'workload'])
      .default('keda')
      .describe("AWS: whose identity to use, the operator's (keda, default) or the scaled workload's."),
  })
  .describe('AuthPodIdentity allows users to select the platform native identity mechanism');

const targetRefSchema = z.object({
  parameter: z.string().describe('Scaler parameter to set.'),
  name: z.string().describe('Object name.'),
  key: z.string().describe('Key in the object.'),
});

const hashiCorpVaultSchema = z
  .object({
    address: z.string().describe('Vault address, e.g. https://vault:8200.'),
    authentication: z.enum(['token', 'kubernetes']).describe('How the operator logs in to Vault.'),
    secrets: z
      .array(
        z.object({
          parameter: z.string().describe('Scaler parameter to set.'),
          path: z.string().describe('Vault path of the secret.'),
          key: z.string().describe('Key in the secret.'),
          type: z.enum(['', 'secret', 'secretV2', 'pki']).optional().describe('Secret engine: "" (generic), secret (KV v1), secretV2 (KV v2) or pki.'),
          pkiData: z
            .object({
              commonName: z.string().optional(),
              altNames: z.string().optional(),
              ipSans: z.string().optional(),
              uriSans: z.string().optional(),
              otherSans: z.string().optional(),
              ttl: z.string().optional(),
              format: z.string().optional(),
            })
            .optional(),
        }),
      )
      .min(1)
      .describe('Parameters read from Vault; at least one.'),
    namespace: z.string().optional().describe('Vault Enterprise namespace.'),
    credential: z
      .object({ token: z.string().optional(), serviceAccount: z.string().optional(), serviceAccountName: z.string().optional() })
      .optional()
      .describe('token (token authentication) or service account (kubernetes authentication).'),
    role: z.string().optional().describe('Vault role (kubernetes authentication).'),
    mount: z.string().optional().describe('Mount path of the kubernetes auth method.'),
  })
  .describe('HashiCorpVault is used to authenticate using Hashicorp Vault');

const azureKeyVaultSchema = z
  .object({
    vaultUri: z.string().describe('Key Vault URI, e.g. https://myvault.vault.azure.net.'),
    secrets: z.array(z.object({ parameter: z.string(), name: z.string(), version: z.string().optional() })).describe('Parameters read from Key Vault secrets.'),
    credentials: z.object({ clientId: z.string(), tenantId: z.string(), clientSecret: valueFromSecretSchema }).optional(),
    podIdentity: podIdentitySchema.optional(),
    cloud: z
      .object({ type: z.string(), keyVaultResourceURL: z.string().optional(), activeDirectoryEndpoint: z.string().optional() })
      .optional()
      .describe('Azure cloud: AzurePublicCloud (default), AzureChinaCloud, ..., or Private with explicit endpoints.'),
  })
  .describe('AzureKeyVault is used to authenticate using Azure Key Vault');

const gcpSecretManagerSchema = z
  .object({
    secrets: z
      .array(z.object({ parameter: z.string(), id: z.string(), version: z.string().optional().describe('Default latest.') }))
      .describe('Parameters read from Secret Manager secrets.'),
    credentials: z.object({ clientSecret: valueFromSecretSchema }).optional(),
    podIdentity: podIdentitySchema.optional(),
  })
  .describe('GCPSecretManager is used to authenticate using GCP Secret Manager');

const awsSecretManagerSchema = z
  .object({
    secrets: z
      .array(
        z.object({
          parameter: z.string(),
          name: z.string(),
          versionId: z.string().optional(),
          versionStage: z.string().optional(),
          secretKey: z.string().optional().describe('Key inside a JSON secret; the whole secret when unset.'),
        }),
      )
      .describe('Parameters read from Secrets Manager secrets.'),
    credentials: z
      .object({ accessKey: valueFromSecretSchema, accessSecretKey: valueFromSecretSchema, accessToken: valueFromSecretSchema.optional() })
      .optional(),
    podIdentity: podIdentitySchema.optional(),
    region: z.string().optional().describe('AWS region of the secrets.'),
  })
  .describe('AwsSecretManager is used to authenticate using AWS Secrets Manager');

const oauth2Schema = z
  .object({
    type: z.enum(['clientCredentials']).default('clientCredentials').describe('OAuth2 flow; only clientCredentials is supported.'),
    clientId: z.string().optional().describe('OAuth2 client id (required).'),
    clientSecret: valueFromSecretSchema.optional().describe('Secret holding the client secret.'),
    tokenUrl: z.string().optional().describe('Token endpoint, an http(s) URL (required).'),
    scopes: z.array(z.string()).optional().describe('Scopes to request.'),
    tokenUrlParams: z.record(z.string(), z.string()).optional().describe('Extra parameters sent to the token endpoint.'),
  })
  .describe('OAuth2 client-credentials token fetched by the operator and passed to the scaler.');

export const triggerAuthenticationSpecSchema = z
  .object({
    podIdentity: podIdentitySchema.optional(),
    secretTargetRef: z.array(targetRefSchema).optional().describe('Parameters read from Secrets.'),
    configMapTargetRef: z.array(targetRefSchema).optional().describe('Parameters read from ConfigMaps.'),
    env: z
      .array(z.object({ parameter: z.string(), name: z.string(), containerName: z.string().optional() }))
      .optional()
      .describe("Parameters read from the scale target's container environment."),
    filePath: z
      .string()
      .optional()
      .describe('ClusterTriggerAuthentication only: JSON file of parameters, relative to the operator flag --filepath-auth-root-path.'),
    hashiCorpVault: hashiCorpVaultSchema.optional(),
    azureKeyVault: azureKeyVaultSchema.optional(),
    gcpSecretManager: gcpSecretManagerSchema.optional(),
    awsSecretManager: awsSecretManagerSchema.optional(),
    boundServiceAccountToken: z
      .array(z.object({ parameter: z.string(), serviceAccountName: z.string() }))
      .optional()
      .describe('Parameters set to a bound token of a ServiceAccount.'),
    oauth2: oauth2Schema.optional(),
  })
  .describe('TriggerAuthenticationSpec defines the various ways to authenticate');

export const triggerAuthenticationStatusSchema = z
  .object({
    scaledobjects: z.string().optional().describe('Comma-joined names of the ScaledObjects using it.'),
    scaledjobs: z.string().optional().describe('Comma-joined names of the ScaledJobs using it.'),
  })
  .describe('TriggerAuthenticationStatus defines the observed state of TriggerAuthentication');

type SpecInput = z.output<typeof triggerAuthenticationSpecSchema>;

/** Parsed spec → model. oauth2 keeps "" for a missing clientId/tokenUrl; validate.ts reports them (KEDA's webhook). */
export function toTriggerAuthenticationSpec(spec: SpecInput): TriggerAuthenticationSpec {
  const copy = structuredClone(spec);
  const { oauth2, ...rest } = copy;
  const out: TriggerAuthenticationSpec = rest;
  if (oauth2) {
    const o: NonNullable<TriggerAuthenticationSpec['oauth2']> = {
      type: oauth2.type,
      clientId: oauth2.clientId ?? '',
      tokenUrl: oauth2.tokenUrl ?? '',
    };
    if (oauth2.clientSecret) o.clientSecret = oauth2.clientSecret;
    if (oauth2.scopes) o.scopes = oauth2.scopes;
    if (oauth2.tokenUrlParams) o.tokenUrlParams = oauth2.tokenUrlParams;
    out.oauth2 = o;
  }
  return out;
}

export function toTriggerAuthentication(
  kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication',
  metadata: ObjectMeta,
  spec: TriggerAuthenticationSpec,
  status: z.output<typeof triggerAuthenticationStatusSchema> | undefined,
): TriggerAuthentication {
  return { apiVersion: KEDA_API_VERSION, kind, metadata, spec, status: { ...(status ?? {}) } };
}
