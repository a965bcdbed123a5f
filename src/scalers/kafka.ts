// `kafka`: scale on a consumer group's lag (KEDA pkg/scalers/kafka_scaler.go, the sarama-based scaler).
//
// Per partition: lag = latest offset − committed offset, with KEDA's rules for a partition the group has not
// committed yet (offsetResetPolicy, scaleToZeroOnInvalidOffset) and for persistent lag (excludePersistentLag);
// the total is capped so replicas never exceed the partition count (allowIdleConsumers false), or the partitions
// with lag (limitToPartitionsWithLag), or rounded to a factor of it (ensureEvenDistributionOfPartitions).
// Activation is KEDA's: total lag including persistent lag > activationLagThreshold (strict).
//
// One admin client (one connection per broker) is shared by all triggers with the same brokers, SASL, TLS and
// credentials (ClientPool); the per-trigger state (excludePersistentLag's previous offsets) stays in the reader.
import https from 'node:https';
import http from 'node:http';
import type { SASLOptions } from '@platformatic/kafka';
import { defaultAwsCredentials, type AwsIdentity } from '../auth/aws-credentials.ts';
import { SigV4Signer } from '../auth/sigv4.ts';
import { truncate } from '../api/problem.ts';
import { AddressRefusedError, checkLiteralHost, findAddressRefused, guardedLookup, httpUrlParam, refusedHost } from './common/address-policy.ts';
import { AWS_IDENTITY_KEYS, triggerAwsIdentity } from './common/aws-scaler.ts';
import { ClientPool, poolKey } from './common/client-pool.ts';
import { lazyClient, lazyReader } from './common/lazy-client.ts';
import { externalMetricSpec } from './common/metric-target.ts';
import { bool, int, list, oneOf, resolveConfig, str } from './common/typed-config.ts';
import { ConfigError, defineScaler, ReadError, type ParseInput, type RawReading, type ReaderContext, type TriggerReader } from './scaler.ts';

export const TYPE = 'kafka';

// ---- 1. the typed config (KEDA's kafkaMetadata tags: names, order, defaults) ----

const SASL_MODES = ['none', 'plaintext', 'scram_sha256', 'scram_sha512', 'oauthbearer', 'gssapi'] as const;

const fields = {
  bootstrapServers: list({ order: ['triggerMetadata', 'resolvedEnv'] }),
  consumerGroup: str({ order: ['triggerMetadata', 'resolvedEnv'] }),
  /** Unset: every topic the group has committed offsets for. */
  topic: str({ order: ['triggerMetadata', 'resolvedEnv'], optional: true }),
  /** Partition ids (`1,2,3`, ranges `1-4`); ignored without a topic. */
  partitionLimitation: str({ optional: true }),
  /** Target lag per replica (HPA AverageValue). */
  lagThreshold: int({ default: 10 }),
  /** Active when the total lag (persistent lag included) > activationLagThreshold. */
  activationLagThreshold: int({ default: 0 }),
  offsetResetPolicy: oneOf(['latest', 'earliest'] as const)({ default: 'latest' as 'latest' | 'earliest' }),
  allowIdleConsumers: bool({ default: false }),
  excludePersistentLag: bool({ default: false }),
  scaleToZeroOnInvalidOffset: bool({ default: false }),
  limitToPartitionsWithLag: bool({ default: false }),
  ensureEvenDistributionOfPartitions: bool({ default: false }),
  /** sarama's Metadata.Full; Updraft always asks metadata for the trigger's topics only. */
  fullMetadata: bool({ default: true }),
  /** sarama's protocol version; Updraft negotiates API versions with the broker (ApiVersions). */
  version: str({ optional: true }),
  tls: oneOf(['enable', 'disable'] as const)({ order: ['triggerMetadata', 'authParams'], default: 'disable' as 'enable' | 'disable' }),
  unsafeSsl: bool({ default: false }),
  ca: str({ order: ['authParams'], optional: true }),
  cert: str({ order: ['authParams'], optional: true }),
  key: str({ order: ['authParams'], optional: true }),
  keyPassword: str({ order: ['authParams'], optional: true }),
  sasl: oneOf(SASL_MODES)({ order: ['triggerMetadata', 'authParams'], optional: true }),
  username: str({ order: ['authParams'], optional: true }),
  password: str({ order: ['authParams'], optional: true }),
  saslTokenProvider: oneOf(['bearer', 'aws_msk_iam'] as const)({ order: ['triggerMetadata', 'authParams'], optional: true }),
  scopes: str({ order: ['authParams'], optional: true }),
  oauthTokenEndpointUri: str({ order: ['authParams'], optional: true }),
  oauthExtensions: str({ order: ['authParams'], optional: true }),
  keytab: str({ order: ['authParams'], optional: true }),
  realm: str({ order: ['authParams'], optional: true }),
  kerberosConfig: str({ order: ['authParams'], optional: true }),
  kerberosServiceName: str({ order: ['authParams'], optional: true }),
  kerberosDisableFAST: bool({ order: ['authParams'], default: false }),
  awsRegion: str({ optional: true }),
};

export type SaslConfig =
  | { kind: 'none' }
  | { kind: 'plaintext' | 'scram_sha256' | 'scram_sha512'; username: string; password: string }
  | { kind: 'oauthbearer'; provider: 'bearer'; clientId: string; clientSecret: string; tokenUrl: string; scopes: string[]; extensions: Record<string, string> }
  | { kind: 'oauthbearer'; provider: 'aws_msk_iam'; awsRegion: string; identity: AwsIdentity };

export interface KafkaConfig {
  bootstrapServers: string[];
  consumerGroup: string;
  /** '' when unset (all topics of the group). */
  topic: string;
  /** Undefined: every partition. */
  partitionLimitation?: number[];
  lagThreshold: number;
  activationLagThreshold: number;
  offsetResetPolicy: 'latest' | 'earliest';
  allowIdleConsumers: boolean;
  excludePersistentLag: boolean;
  scaleToZeroOnInvalidOffset: boolean;
  limitToPartitionsWithLag: boolean;
  ensureEvenDistributionOfPartitions: boolean;
  fullMetadata: boolean;
  version?: string;
  tls?: { ca?: string; cert?: string; key?: string; keyPassword?: string; unsafeSsl: boolean };
  sasl: SaslConfig;
}

// ---- 2. parse ----

/** KEDA parsePartitionLimitation: `1,2,3`, ranges `1-4`, mixed; whitespace around parts is ignored. */
export function parsePartitionLimitation(raw: string): number[] {
  const out: number[] = [];
  const int32 = (s: string, part: string): number => {
    const t = s.trim();
    // strconv.ParseInt(s, 10, 32): optional sign, decimal digits, within int32.
    if (!/^[+-]?\d+$/.test(t))
      throw new ConfigError(TYPE, 'partitionLimitation', `invalid partition limitation: ${truncate(part)}; use partition ids and ranges such as 0,1,4-7`);
    const n = Number(t);
    if (n < -2147483648 || n > 2147483647)
      throw new ConfigError(TYPE, 'partitionLimitation', `invalid partition limitation: ${truncate(part)} is out of range`);
    return n;
  };
  for (const rawPart of raw.split(',')) {
    const part = rawPart.trim();
    if (part.includes('-')) {
      const ends = part.split('-');
      if (ends.length !== 2)
        throw new ConfigError(TYPE, 'partitionLimitation', `invalid partition limitation range: ${truncate(part)}; a range is <first>-<last>`);
      const start = int32(ends[0], part);
      const end = int32(ends[1], part);
      if (end - start > 100_000)
        throw new ConfigError(TYPE, 'partitionLimitation', `invalid partition limitation range: ${truncate(part)} spans more than 100000 partitions`);
      for (let i = start; i <= end; i++) out.push(i);
    } else {
      out.push(int32(part, part));
    }
  }
  return out;
}

/** sarama ParseKafkaVersion's grammar: `0.a.b.c` or `a.b.c`. */
export function validKafkaVersion(v: string): boolean {
  return v[0] === '0' ? /^0\.\d+\.\d+\.\d+$/.test(v) : /^\d+\.\d+\.\d+$/.test(v);
}

export function parse(input: ParseInput): KafkaConfig {
  const c = resolveConfig(TYPE, fields, input);
  // KEDA Validate, in its order.
  if (c.lagThreshold <= 0) throw new ConfigError(TYPE, 'lagThreshold', `"lagThreshold" must be positive number, got '${c.lagThreshold}'`);
  if (c.activationLagThreshold < 0)
    throw new ConfigError(TYPE, 'activationLagThreshold', `"activationLagThreshold" must be a non-negative number, got '${c.activationLagThreshold}'`);
  const topic = c.topic ?? '';
  let partitionLimitation = c.partitionLimitation && c.partitionLimitation.trim() !== '' ? parsePartitionLimitation(c.partitionLimitation) : undefined;
  if (topic === '') partitionLimitation = undefined;
  if (c.allowIdleConsumers && c.limitToPartitionsWithLag) {
    throw new ConfigError(TYPE, 'limitToPartitionsWithLag', 'allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously');
  }
  if (topic === '' && c.limitToPartitionsWithLag) throw new ConfigError(TYPE, 'topic', 'topic must be specified when using limitToPartitionsWithLag');
  if (c.limitToPartitionsWithLag && c.ensureEvenDistributionOfPartitions) {
    throw new ConfigError(
      TYPE,
      'ensureEvenDistributionOfPartitions',
      'limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously',
    );
  }
  if (topic === '' && c.ensureEvenDistributionOfPartitions)
    throw new ConfigError(TYPE, 'topic', 'topic must be specified when using ensureEvenDistributionOfPartitions');
  if (!c.fullMetadata && topic === '') throw new ConfigError(TYPE, 'topic', 'topic must be specified when fullMetadata is false');

  // TLS (KEDA parseTLS).
  let tls: KafkaConfig['tls'];
  if (c.tls === 'enable') {
    if (c.cert && !c.key) throw new ConfigError(TYPE, 'key', 'key must be provided with cert');
    if (c.key && !c.cert) throw new ConfigError(TYPE, 'cert', 'cert must be provided with key');
    tls = {
      unsafeSsl: c.unsafeSsl,
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.cert ? { cert: c.cert } : {}),
      ...(c.key ? { key: c.key } : {}),
      ...(c.keyPassword ? { keyPassword: c.keyPassword } : {}),
    };
  }

  const sasl = parseSasl(c, tls !== undefined, input);

  if (c.version !== undefined && !validKafkaVersion(c.version)) {
    throw new ConfigError(
      TYPE,
      'version',
      `error parsing kafka version: invalid version '${truncate(c.version)}'; use a Kafka version such as 2.8.0 or 0.11.0.2`,
    );
  }

  // Broker addresses are host:port, not URLs: a literal cloud metadata / link-local IP is refused here, host names
  // after DNS when the reader connects (address-policy.ts).
  for (const server of c.bootstrapServers) {
    const host = hostOf(server);
    const refused = refusedHost(TYPE, 'bootstrapServers', server, host);
    if (refused) throw refused;
  }

  return {
    bootstrapServers: c.bootstrapServers,
    consumerGroup: c.consumerGroup,
    topic,
    ...(partitionLimitation ? { partitionLimitation } : {}),
    lagThreshold: c.lagThreshold,
    activationLagThreshold: c.activationLagThreshold,
    offsetResetPolicy: c.offsetResetPolicy,
    allowIdleConsumers: c.allowIdleConsumers,
    excludePersistentLag: c.excludePersistentLag,
    scaleToZeroOnInvalidOffset: c.scaleToZeroOnInvalidOffset,
    limitToPartitionsWithLag: c.limitToPartitionsWithLag,
    ensureEvenDistributionOfPartitions: c.ensureEvenDistributionOfPartitions,
    fullMetadata: c.fullMetadata,
    ...(c.version !== undefined ? { version: c.version } : {}),
    ...(tls ? { tls } : {}),
    sasl,
  };
}

type Resolved = ReturnType<typeof resolveConfig<typeof fields>>;

function parseSasl(c: Resolved, tlsEnabled: boolean, input: ParseInput): SaslConfig {
  const mode = c.sasl;
  if (mode === undefined || mode === 'none') return { kind: 'none' };
  const authUnknown = input.offline?.authUnknown === true;
  const need = (value: string | undefined, field: string, message: string): string => {
    if (value) return value;
    // Offline, the TriggerAuthentication may hold it.
    if (authUnknown) return 'placeholder';
    throw new ConfigError(TYPE, field, message);
  };
  switch (mode) {
    case 'plaintext':
    case 'scram_sha256':
    case 'scram_sha512': {
      const username = need(c.username, 'username', 'no username given; set the TriggerAuthentication parameter "username"');
      const password = need(c.password, 'password', 'no password given; set the TriggerAuthentication parameter "password"');
      return { kind: mode, username, password };
    }
    case 'oauthbearer': {
      const provider = c.saslTokenProvider ?? 'bearer';
      const oauthError = (field: string, what: string) => `error parsing OAuth token provider configuration: ${what}`;
      if (provider === 'bearer') {
        const clientId = need(
          c.username,
          'username',
          oauthError('username', 'no username given; set the TriggerAuthentication parameter "username" (the OAuth client id)'),
        );
        const clientSecret = need(
          c.password,
          'password',
          oauthError('password', 'no password given; set the TriggerAuthentication parameter "password" (the OAuth client secret)'),
        );
        const tokenUrl = need(
          c.oauthTokenEndpointUri,
          'oauthTokenEndpointUri',
          oauthError('oauthTokenEndpointUri', 'no oauth token endpoint uri given; set the TriggerAuthentication parameter "oauthTokenEndpointUri"'),
        );
        if (tokenUrl !== 'placeholder') httpUrlParam(TYPE, 'oauthTokenEndpointUri', tokenUrl, { example: 'https://idp.example.com/oauth2/token' });
        // KEDA: strings.Split(scopes, ","), so no scopes is [""] there; an empty scope is not sent here.
        const scopes = (c.scopes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const extensions: Record<string, string> = {};
        if (c.oauthExtensions) {
          for (const ext of c.oauthExtensions.split(',')) {
            const kv = ext.split('=');
            if (kv.length !== 2) {
              throw new ConfigError(TYPE, 'oauthExtensions', oauthError('oauthExtensions', 'invalid OAuthBearer extension, must be of format key=value'));
            }
            extensions[kv[0]] = kv[1];
          }
        }
        return { kind: 'oauthbearer', provider, clientId, clientSecret, tokenUrl, scopes, extensions };
      }
      if (!tlsEnabled) throw new ConfigError(TYPE, 'tls', oauthError('tls', 'TLS is required for AWS MSK authentication; set tls: enable'));
      if (!c.awsRegion) throw new ConfigError(TYPE, 'awsRegion', oauthError('awsRegion', 'no awsRegion given; set metadata.awsRegion'));
      const identity = triggerAwsIdentity(TYPE, input);
      return { kind: 'oauthbearer', provider, awsRegion: c.awsRegion, identity };
    }
    case 'gssapi': {
      // KEDA parseGSSAPIParams' checks, so a wrong trigger gets KEDA's reason; then Updraft's own refusal.
      need(c.username, 'username', 'no username given; set the TriggerAuthentication parameter "username"');
      if (!authUnknown && ((!c.password && !c.keytab) || (c.password && c.keytab))) {
        throw new ConfigError(TYPE, 'keytab', "exactly one of 'password' or 'keytab' must be provided for GSSAPI authentication");
      }
      need(c.realm, 'realm', 'no realm given; set the TriggerAuthentication parameter "realm"');
      need(c.kerberosConfig, 'kerberosConfig', 'no Kerberos configuration file (kerberosConfig) given');
      throw new ConfigError(TYPE, 'sasl', 'sasl gssapi (Kerberos) is not supported by Updraft; use plaintext, scram_sha256, scram_sha512 or oauthbearer');
    }
  }
}

/** `host:port`, `[v6]:port` or a bare host → the host. */
export function hostOf(server: string): string {
  const s = server.trim();
  if (s.startsWith('[')) return s.slice(0, s.indexOf(']') + 1 || undefined);
  const colon = s.lastIndexOf(':');
  return colon > 0 && s.indexOf(':') === colon ? s.slice(0, colon) : s;
}

// ---- 3. the value maths (KEDA getLagForPartition / getTotalLag) ----

/** Kafka's "no committed offset". */
export const INVALID_OFFSET = -1;

/** excludePersistentLag's memory: the committed offset of each topic/partition at the previous read. */
export type PreviousOffsets = Map<string, Map<number, number>>;

export interface PartitionLag {
  /** The lag counted for scaling (0 for a partition stuck on the same offset under excludePersistentLag). */
  lag: number;
  /** The lag including persistent lag (drives activation). */
  lagWithPersistent: number;
}

type LagRules = Pick<KafkaConfig, 'offsetResetPolicy' | 'scaleToZeroOnInvalidOffset' | 'excludePersistentLag'>;

/**
 * One partition's lag. `latest` undefined: the partition is missing from the latest-offset answer (KEDA treats it
 * as 0 lag). Mutates `previous` like KEDA's previousOffsets.
 */
export function partitionLag(
  rules: LagRules,
  topic: string,
  partition: number,
  committed: number,
  latest: number | undefined,
  previous: PreviousOffsets,
): PartitionLag {
  if (committed === INVALID_OFFSET) {
    if (rules.offsetResetPolicy === 'latest') {
      const v = rules.scaleToZeroOnInvalidOffset ? 0 : 1;
      return { lag: v, lagWithPersistent: v };
    }
    if (rules.scaleToZeroOnInvalidOffset) return { lag: 0, lagWithPersistent: 0 };
  }
  if (latest === undefined) return { lag: 0, lagWithPersistent: 0 };
  if (committed === INVALID_OFFSET) return { lag: latest, lagWithPersistent: latest };
  if (rules.excludePersistentLag) {
    let byPartition = previous.get(topic);
    const prev = byPartition?.get(partition);
    if (prev === undefined) {
      if (!byPartition) {
        byPartition = new Map();
        previous.set(topic, byPartition);
      }
      byPartition.set(partition, committed);
    } else if (prev === committed) {
      return { lag: 0, lagWithPersistent: latest - committed };
    } else {
      byPartition!.set(partition, committed);
    }
  }
  return { lag: latest - committed, lagWithPersistent: latest - committed };
}

/** KEDA FindFactors: the divisors of n, ascending. */
export function findFactors(n: number): number[] {
  if (n < 1) return [];
  const out: number[] = [];
  for (let i = 1; i * i <= n; i++) {
    if (n % i === 0) {
      out.push(i);
      if (i !== n / i) out.push(n / i);
    }
  }
  return out.sort((a, b) => a - b);
}

/** KEDA getNextFactorThatBalancesConsumersToTopicPartitions. */
export function nextBalancedFactor(totalLag: number, totalPartitions: number, lagThreshold: number): number {
  for (const f of findFactors(totalPartitions)) if (f * lagThreshold >= totalLag) return f;
  return totalPartitions;
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** Latest (high-water) offset. */
  latest: number;
  /** Committed offset of the group, INVALID_OFFSET when none. */
  committed: number;
}

export interface TotalLag {
  /** The metric value. */
  totalLag: number;
  /** Drives activation (persistent lag included, never capped). */
  totalLagWithPersistent: number;
  partitions: number;
  partitionsWithLag: number;
}

type TotalRules = LagRules & Pick<KafkaConfig, 'lagThreshold' | 'allowIdleConsumers' | 'limitToPartitionsWithLag' | 'ensureEvenDistributionOfPartitions'>;

/** KEDA getTotalLag over the partitions the latest-offset answer holds. */
export function totalLag(rules: TotalRules, offsets: readonly PartitionOffsets[], previous: PreviousOffsets): TotalLag {
  let total = 0;
  let withPersistent = 0;
  let partitionsWithLag = 0;
  for (const o of offsets) {
    const l = partitionLag(rules, o.topic, o.partition, o.committed, o.latest, previous);
    total += l.lag;
    withPersistent += l.lagWithPersistent;
    if (l.lag > 0) partitionsWithLag++;
  }
  const partitions = offsets.length;
  if (!rules.allowIdleConsumers || rules.limitToPartitionsWithLag || rules.ensureEvenDistributionOfPartitions) {
    let upperBound = partitions;
    if (rules.ensureEvenDistributionOfPartitions) total = nextBalancedFactor(total, partitions, rules.lagThreshold) * rules.lagThreshold;
    if (rules.limitToPartitionsWithLag) upperBound = partitionsWithLag;
    // Go integer division truncates toward zero.
    if (Math.trunc(total / rules.lagThreshold) > upperBound) total = upperBound * rules.lagThreshold;
  }
  return { totalLag: total, totalLagWithPersistent: withPersistent, partitions, partitionsWithLag };
}

// ---- 4. the client ----

/** The part of @platformatic/kafka's Admin the reader uses (tests and the contract test fake it). */
export interface KafkaAdminLike {
  metadata(options: { topics: string[]; forceUpdate?: boolean }): Promise<{ topics: Map<string, { partitionsCount: number }> }>;
  listOffsets(options: {
    topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }>;
    isolationLevel?: number;
  }): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; offset: bigint }> }>>;
  listConsumerGroupOffsets(options: {
    groups: Array<string | { groupId: string; topics?: Array<{ name: string; partitionIndexes: number[] }> }>;
  }): Promise<Array<{ groupId: string; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint }> }> }>>;
  close(): Promise<void>;
}

/** A pooled client: the admin plus the connect-time address check of the bootstrap hosts, done once. */
interface PooledKafka {
  admin: KafkaAdminLike;
  checked?: Promise<void>;
}

const pool = new ClientPool<PooledKafka>(async (c) => {
  await c.admin.close().catch(() => undefined);
});

/** Admin clients held now (tests, bench, docs: 500 triggers on one cluster hold one). */
export function kafkaClientPoolSize(): number {
  return pool.size;
}

/** The pool key: brokers, SASL mode/user, TLS settings; secrets (passwords, keys, CA, AWS keys) only hashed. */
export function kafkaPoolKey(config: KafkaConfig): string {
  const s = config.sasl;
  const secrets: Record<string, string | undefined> = {
    ca: config.tls?.ca,
    cert: config.tls?.cert,
    key: config.tls?.key,
    keyPassword: config.tls?.keyPassword,
  };
  const settings: Record<string, unknown> = { tls: config.tls ? { unsafeSsl: config.tls.unsafeSsl } : false, sasl: s.kind };
  if (s.kind === 'plaintext' || s.kind === 'scram_sha256' || s.kind === 'scram_sha512') {
    settings.username = s.username;
    secrets.password = s.password;
  } else if (s.kind === 'oauthbearer' && s.provider === 'bearer') {
    settings.oauth = { clientId: s.clientId, tokenUrl: s.tokenUrl, scopes: s.scopes, extensions: s.extensions };
    secrets.clientSecret = s.clientSecret;
  } else if (s.kind === 'oauthbearer') {
    settings.msk = { region: s.awsRegion, identity: s.identity.kind, role: s.identity.kind === 'role' ? s.identity.roleArn : undefined };
    if (s.identity.kind === 'keys') {
      settings.accessKeyId = s.identity.accessKeyId;
      secrets.aws = `${s.identity.secretAccessKey}\0${s.identity.sessionToken ?? ''}`;
    }
  }
  return poolKey([...config.bootstrapServers].sort().join(','), secrets, settings);
}

// AWS MSK IAM over SASL/OAUTHBEARER (KEDA pkg/scalers/kafka/kafka_scaler_oauth_token_provider.go, which uses
// aws-msk-iam-sasl-signer-go): the token is a SigV4-presigned GET of
// https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect (service kafka-cluster, 900 s), with a
// User-Agent parameter added after signing, base64url-encoded without padding.
export const MSK_TOKEN_EXPIRY_SECONDS = 900;
export const MSK_USER_AGENT = 'updraft-kafka-scaler/1.0';

export interface MskToken {
  token: string;
  /** Epoch ms after which the token must not be used. */
  expiresAt: number;
}

export async function mskIamToken(region: string, signer: SigV4Signer, now: Date = new Date()): Promise<MskToken> {
  const url = new URL(`https://kafka.${region}.amazonaws.com/?Action=kafka-cluster%3AConnect`);
  const signed = await signer.presign(url, MSK_TOKEN_EXPIRY_SECONDS, now, { 'User-Agent': MSK_USER_AGENT });
  const token = Buffer.from(signed, 'utf8').toString('base64url');
  return { token, expiresAt: now.getTime() + MSK_TOKEN_EXPIRY_SECONDS * 1000 };
}

/** A token provider that reuses its token until shortly before it expires and collapses concurrent refreshes. */
export function cachedToken(fetchToken: () => Promise<MskToken>, now: () => number = Date.now, marginMs = 60_000): () => Promise<string> {
  let current: MskToken | undefined;
  let inflight: Promise<MskToken> | undefined;
  return async () => {
    if (current && now() < current.expiresAt - marginMs) return current.token;
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    current = await inflight;
    return current.token;
  };
}

/** The OAuth2 client-credentials grant (golang.org/x/oauth2/clientcredentials, as KEDA uses): client id/secret as HTTP Basic. */
export async function fetchClientCredentialsToken(s: Extract<SaslConfig, { provider: 'bearer' }>, now: () => number = Date.now): Promise<MskToken> {
  const url = new URL(s.tokenUrl);
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(s.scopes.length ? { scope: s.scopes.join(' ') } : {}) }).toString();
  const basic = Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`).toString('base64');
  const shownUrl = `${url.protocol}//${url.host}${url.pathname}`;
  const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(),
        timeout: 10_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${basic}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => {
          if (text.length < 65536) text += chunk;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
        r.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after 10s`)));
    req.on('error', reject);
    req.end(body);
  }).catch((e: Error) => {
    throw new ReadError(findAddressRefused(e) ? 'other' : 'unreachable', `${TYPE}: OAuth token endpoint ${shownUrl}: ${e.message}`, { cause: e });
  });
  if (res.status === 401 || res.status === 400 || res.status === 403) {
    throw new ReadError('auth', `${TYPE}: OAuth token endpoint ${shownUrl} refused the client credentials (HTTP ${res.status})`);
  }
  if (res.status < 200 || res.status >= 300) throw new ReadError('other', `${TYPE}: OAuth token endpoint ${shownUrl} answered HTTP ${res.status}`);
  let parsed: { access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(res.text) as typeof parsed;
  } catch {
    throw new ReadError('other', `${TYPE}: OAuth token endpoint ${shownUrl} did not answer JSON`);
  }
  if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
    throw new ReadError('other', `${TYPE}: OAuth token endpoint ${shownUrl} answered without an access_token`);
  }
  const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 3600;
  return { token: parsed.access_token, expiresAt: now() + expiresIn * 1000 };
}

function saslOptions(config: KafkaConfig, ctx: Pick<ReaderContext, 'awsCredentials'>): SASLOptions | undefined {
  const s = config.sasl;
  switch (s.kind) {
    case 'none':
      return undefined;
    case 'plaintext':
      return { mechanism: 'PLAIN', username: s.username, password: s.password };
    case 'scram_sha256':
      return { mechanism: 'SCRAM-SHA-256', username: s.username, password: s.password };
    case 'scram_sha512':
      return { mechanism: 'SCRAM-SHA-512', username: s.username, password: s.password };
    case 'oauthbearer': {
      if (s.provider === 'bearer') {
        return { mechanism: 'OAUTHBEARER', token: cachedToken(() => fetchClientCredentialsToken(s)), oauthBearerExtensions: s.extensions };
      }
      const credentials = (ctx.awsCredentials ?? defaultAwsCredentials()).provider(s.identity, s.awsRegion);
      const signer = new SigV4Signer('kafka-cluster', s.awsRegion, credentials);
      return { mechanism: 'OAUTHBEARER', token: cachedToken(() => mskIamToken(s.awsRegion, signer)) };
    }
  }
}

/** @platformatic/kafka, loaded by the first reader (common/lazy-client.ts); `loadClients` for tests that build readers themselves. */
const kafkaLib = lazyClient('@platformatic/kafka', () => import('@platformatic/kafka'));
export const loadClients = () => kafkaLib.load();

function createAdmin(config: KafkaConfig, ctx: Pick<ReaderContext, 'awsCredentials'>): KafkaAdminLike {
  const { Admin } = kafkaLib.get();
  const sasl = saslOptions(config, ctx);
  const t = config.tls;
  return new Admin({
    clientId: 'updraft',
    bootstrapBrokers: config.bootstrapServers,
    connectTimeout: 5_000,
    requestTimeout: 10_000,
    retries: 1,
    retryDelay: 200,
    ...(t
      ? {
          tls: {
            rejectUnauthorized: !t.unsafeSsl,
            ...(t.ca ? { ca: t.ca } : {}),
            ...(t.cert ? { cert: t.cert } : {}),
            ...(t.key ? { key: t.key } : {}),
            ...(t.keyPassword ? { passphrase: t.keyPassword } : {}),
            // Connect-time address policy for every broker connection over TLS.
            lookup: guardedLookup(),
          },
        }
      : {}),
    ...(sasl ? { sasl } : {}),
  }) as unknown as KafkaAdminLike;
}

/** The bootstrap hosts resolved through the address policy (plain TCP connections take no `lookup`). */
async function checkBootstrapAddresses(servers: readonly string[]): Promise<void> {
  const lookup = guardedLookup();
  for (const server of servers) {
    const host = hostOf(server).replace(/^\[|\]$/g, '');
    const literal = checkLiteralHost(host);
    if (literal) throw literal;
    await new Promise<void>((resolve, reject) => {
      lookup(host, { all: true }, (err) => (err && err instanceof AddressRefusedError ? reject(err) : resolve()));
    });
  }
}

// ---- 5. the reader ----

function errorChain(e: unknown): Array<{ name?: string; code?: string; apiId?: string; message?: string }> {
  const out: Array<{ name?: string; code?: string; apiId?: string; message?: string }> = [];
  const walk = (x: unknown, depth: number) => {
    if (!x || typeof x !== 'object' || depth > 8) return;
    const o = x as { name?: string; code?: string; apiId?: string; message?: string; errors?: unknown[]; cause?: unknown; constructor?: { name?: string } };
    out.push({ name: o.constructor?.name ?? o.name, code: o.code, apiId: o.apiId, message: o.message });
    for (const inner of Array.isArray(o.errors) ? o.errors : []) walk(inner, depth + 1);
    walk(o.cause, depth + 1);
  };
  walk(e, 0);
  return out;
}

const AUTH_API_ERRORS = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);
const TLS_CODES = /^(ERR_TLS_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|CERT_|ERR_SSL_|EPROTO$)/;

/** A client failure in the user's terms. Messages are built from codes and hosts, never from credentials. */
export function kafkaReadError(e: unknown, where: string): ReadError {
  // A ReadError of our own (the OAuth token endpoint's) arrives wrapped by the client's SASL errors.
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 8; depth++) {
    if (cur instanceof ReadError) return cur;
    const o = cur as { cause?: unknown; errors?: unknown[] };
    cur = o.cause ?? (Array.isArray(o.errors) ? o.errors.find((x) => x && typeof x === 'object') : undefined);
  }
  const refused = findAddressRefused(e);
  if (refused) return new ReadError('other', `${TYPE}: ${where}: ${refused.message}`, { cause: refused });
  const chain = errorChain(e);
  const api = chain.find((x) => x.apiId && AUTH_API_ERRORS.has(x.apiId));
  if (api) return new ReadError('auth', `${TYPE}: ${where}: the broker refused: ${api.apiId}`, { cause: e });
  if (chain.some((x) => x.code === 'PLT_KFK_AUTHENTICATION')) {
    return new ReadError('auth', `${TYPE}: ${where}: SASL authentication failed (check the mechanism, username and password)`, { cause: e });
  }
  const tlsErr = chain.find((x) => x.code && TLS_CODES.test(x.code));
  if (tlsErr) return new ReadError('auth', `${TYPE}: ${where}: TLS handshake failed: ${tlsErr.code}`, { cause: e });
  const unknownTopic = chain.find((x) => x.apiId === 'UNKNOWN_TOPIC_OR_PARTITION' || (x.code === 'PLT_KFK_USER' && /^Unknown topic/.test(x.message ?? '')));
  if (unknownTopic) return new ReadError('bad-query', `${TYPE}: ${where}: ${unknownTopic.message ?? 'unknown topic or partition'}`, { cause: e });
  if (chain.some((x) => x.code === 'PLT_KFK_TIMEOUT')) return new ReadError('timeout', `${TYPE}: ${where}: the broker did not answer in time`, { cause: e });
  const sys = chain.find((x) => x.code && /^E[A-Z]+$/.test(x.code));
  if (sys || chain.some((x) => x.code === 'PLT_KFK_NETWORK')) {
    return new ReadError('unreachable', `${TYPE}: ${where}: cannot connect to the brokers${sys ? ` (${sys.code})` : ''}`, { cause: e });
  }
  const apiErr = chain.find((x) => x.apiId);
  return new ReadError('other', `${TYPE}: ${where}: ${apiErr ? `broker error ${apiErr.apiId}` : truncate(String((e as Error)?.message ?? e), 200)}`, {
    cause: e,
  });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ReadError('timeout', `${TYPE}: read aborted`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ReadError('timeout', `${TYPE}: read aborted (per-read timeout or shutdown)`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const LATEST = -1n;
const READ_UNCOMMITTED = 0;

/** The partitions to read, per topic (KEDA getTopicPartitions). */
export async function topicPartitions(config: KafkaConfig, admin: KafkaAdminLike): Promise<Map<string, number[]>> {
  let topics: string[];
  if (config.topic === '') {
    const groups = await admin.listConsumerGroupOffsets({ groups: [config.consumerGroup] });
    topics = (groups.find((g) => g.groupId === config.consumerGroup)?.topics ?? []).map((t) => t.name);
    if (topics.length === 0) return new Map();
  } else {
    topics = [config.topic];
  }
  const md = await admin.metadata({ topics, forceUpdate: true });
  const out = new Map<string, number[]>();
  for (const name of topics) {
    const t = md.topics.get(name);
    if (!t) throw new ReadError('bad-query', `${TYPE}: topic '${truncate(name)}' not found`);
    const ids: number[] = [];
    for (let p = 0; p < t.partitionsCount; p++) if (!config.partitionLimitation || config.partitionLimitation.includes(p)) ids.push(p);
    if (ids.length === 0)
      throw new ReadError(
        'bad-query',
        `${TYPE}: expected at least one active partition within the topic '${truncate(name)}' (partitionLimitation matches none of its ${t.partitionsCount} partitions)`,
      );
    out.set(name, ids);
  }
  return out;
}

/** Latest and committed offsets of the partitions (KEDA getConsumerAndProducerOffsets). */
export async function readOffsets(config: KafkaConfig, admin: KafkaAdminLike, partitions: Map<string, number[]>): Promise<PartitionOffsets[]> {
  if (partitions.size === 0) return [];
  const entries = [...partitions.entries()];
  const [latest, committed] = await Promise.all([
    admin.listOffsets({
      topics: entries.map(([name, ids]) => ({ name, partitions: ids.map((partitionIndex) => ({ partitionIndex, timestamp: LATEST })) })),
      isolationLevel: READ_UNCOMMITTED,
    }),
    admin.listConsumerGroupOffsets({ groups: [{ groupId: config.consumerGroup, topics: entries.map(([name, ids]) => ({ name, partitionIndexes: ids })) }] }),
  ]);
  const committedOf = new Map<string, number>();
  for (const g of committed) {
    if (g.groupId !== config.consumerGroup) continue;
    for (const t of g.topics) for (const p of t.partitions) committedOf.set(`${t.name}\0${p.partitionIndex}`, Number(p.committedOffset));
  }
  const out: PartitionOffsets[] = [];
  for (const t of latest) {
    for (const p of t.partitions) {
      const c = committedOf.get(`${t.name}\0${p.partitionIndex}`);
      if (c === undefined) {
        throw new ReadError('other', `${TYPE}: error finding offset block for topic ${truncate(t.name)} and partition ${p.partitionIndex}`);
      }
      out.push({ topic: t.name, partition: p.partitionIndex, latest: Number(p.offset), committed: c });
    }
  }
  return out;
}

export function createKafkaReader(config: KafkaConfig, ctx: ReaderContext, admin?: KafkaAdminLike): TriggerReader {
  const lease = admin ? undefined : pool.acquire(kafkaPoolKey(config), () => ({ admin: createAdmin(config, ctx) }));
  const pooled: PooledKafka = lease?.client ?? { admin: admin!, checked: Promise.resolve() };
  const previous: PreviousOffsets = new Map();
  const name = ctx.metricSpecs[0].metricName;
  const where = `consumer group '${truncate(config.consumerGroup)}'${config.topic ? ` on topic '${truncate(config.topic)}'` : ''} at ${truncate(config.bootstrapServers.join(','))}`;
  return {
    async read(signal: AbortSignal): Promise<RawReading> {
      try {
        pooled.checked ??= checkBootstrapAddresses(config.bootstrapServers).catch((e: unknown) => {
          pooled.checked = undefined;
          throw e;
        });
        await abortable(pooled.checked, signal);
        const partitions = await abortable(topicPartitions(config, pooled.admin), signal);
        const offsets = await abortable(readOffsets(config, pooled.admin, partitions), signal);
        const t = totalLag(config, offsets, previous);
        return { metrics: [{ name, value: t.totalLag }], active: t.totalLagWithPersistent > config.activationLagThreshold };
      } catch (e) {
        throw kafkaReadError(e, where);
      }
    },
    async close() {
      await lease?.release();
    },
  };
}

export const descriptor = defineScaler<KafkaConfig>({
  type: TYPE,
  fields,
  otherKeys: AWS_IDENTITY_KEYS,
  example: { metadata: { bootstrapServers: 'kafka.svc:9092', consumerGroup: 'orders-workers', topic: 'orders', lagThreshold: '10' } },
  parse,
  metricSpecs: (config, triggerIndex, metricType) =>
    externalMetricSpec(triggerIndex, config.topic ? `kafka-${config.topic}` : `kafka-${config.consumerGroup}-topics`, config.lagThreshold, TYPE, metricType),
  activationThreshold: (config) => config.activationLagThreshold,
  createReader: (config, ctx) => lazyReader(TYPE, [kafkaLib], () => createKafkaReader(config, ctx)),
});
