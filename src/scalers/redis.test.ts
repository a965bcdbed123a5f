import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clusterDescriptor, descriptor, lengthFromReply, LENGTH_SCRIPT, parseFor, sentinelDescriptor, type RedisListConfig } from './redis.ts';
import { parseAddress, parseConnection, classifyRedisError, type RedisConnection, type RedisKind } from './common/redis-connection.ts';
import { checkTriggerOffline } from './index.ts';
import { ConfigError, ReadError } from './scaler.ts';

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata tables (pkg/scalers/redis_scaler_test.go): testRedisMetadata (TestRedisParseMetadata, the
// `redis` type), TestParseRedisClusterMetadata (`redis-cluster`), TestParseRedisSentinelMetadata (`redis-sentinel`)
// and redisMetricIdentifiers, one subtest per row, rows as in KEDA. A valid row checks the parsed values KEDA checks
// (its wantMeta, in Updraft's terms); an invalid row checks the field the ConfigError names.
//
// Deliberate differences, marked on the rows they touch:
// - listLength 0 is refused (the HPA refuses a target of 0; KEDA accepts it and fails when it writes the HPA). Such
//   rows check the refusal, then the row's other facts with listLength 1.
// - redis-sentinel requires sentinelMaster (KEDA's parse accepts none and every connect fails). Sentinel rows that
//   give none get `sentinelMaster: mymaster`.
// - an address `:7001` (no host) dials 127.0.0.1, as go-redis does.
// - where KEDA reports several problems at once, Updraft reports the first: a row missing listName and the address
//   is refused for listName.

const KEDA_ENV: Record<string, string> = {
  REDIS_HOST: 'none',
  REDIS_PORT: '6379',
  REDIS_USERNAME: 'none',
  REDIS_PASSWORD: 'none',
  REDIS_SENTINEL_MASTER: 'none',
  REDIS_SENTINEL_USERNAME: 'none',
  REDIS_SENTINEL_PASSWORD: 'none',
};

interface Row {
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  resolvedEnv: Record<string, string>;
  /** Parsed values (see summary()). */
  want?: Record<string, unknown>;
  /** The field the ConfigError names. */
  error?: string;
  kedaError?: string;
  /** Updraft differs on purpose: why. */
  differs?: string;
}

const LIST_LENGTH_0 = "Updraft refuses listLength 0 (the HPA refuses a 0 target); the row's other facts hold with listLength 1";

const mainRows: Row[] = [
  { name: 'nothing passed', metadata: {}, authParams: {}, resolvedEnv: KEDA_ENV, error: 'listName' },
  {
    name: 'properly formed listName',
    metadata: { listName: 'mylist', listLength: '10', addressFromEnv: 'REDIS_HOST', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: { tls: false },
  },
  {
    name: 'properly formed hostPort',
    metadata: { listName: 'mylist', listLength: '10', hostFromEnv: 'REDIS_HOST', portFromEnv: 'REDIS_PORT', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: { tls: false },
  },
  {
    name: 'properly formed hostPort',
    metadata: { listName: 'mylist', listLength: '10', addressFromEnv: 'REDIS_HOST', host: 'REDIS_HOST', port: 'REDIS_PORT', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: { tls: false },
  },
  {
    name: 'improperly formed hostPort',
    metadata: { listName: 'mylist', listLength: '10', hostFromEnv: 'REDIS_HOST', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    error: 'address',
  },
  {
    name: 'properly formed listName, empty address',
    metadata: { listName: 'mylist', listLength: '10', address: '', password: '' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    error: 'address',
  },
  {
    name: 'improperly formed listLength',
    metadata: { listName: 'mylist', listLength: 'AA', addressFromEnv: 'REDIS_HOST', password: '' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    error: 'listLength',
  },
  {
    name: 'improperly formed activationListLength',
    metadata: { listName: 'mylist', listLength: '1', activationListLength: 'AA', addressFromEnv: 'REDIS_HOST', password: '' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    error: 'activationListLength',
  },
  {
    name: 'address does not resolve',
    metadata: { listName: 'mylist', listLength: '0', addressFromEnv: 'REDIS_WRONG', password: '' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    error: 'address',
  },
  {
    name: 'password is defined in the authParams',
    metadata: { listName: 'mylist', listLength: '0', addressFromEnv: 'REDIS_WRONG' },
    authParams: { password: '' },
    resolvedEnv: KEDA_ENV,
    error: 'address',
  },
  {
    name: 'address is defined in the authParams',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { address: 'localhost:6379' },
    resolvedEnv: KEDA_ENV,
    want: { tls: false },
  },
  {
    name: 'host and port is defined in the authParams',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { host: 'localhost', port: '6379' },
    resolvedEnv: KEDA_ENV,
    want: { tls: false },
  },
  {
    name: 'enableTLS, TLS defined in the authParams only',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { address: 'localhost:6379', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    resolvedEnv: KEDA_ENV,
    want: { tls: true, ca: 'caaa', cert: 'ceert', key: 'keey', keyPassword: null },
  },
  {
    name: 'enableTLS, TLS cert/key and assumed public CA',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { address: 'localhost:6379', tls: 'enable', cert: 'ceert', key: 'keey' },
    resolvedEnv: KEDA_ENV,
    want: { tls: true, ca: null, cert: 'ceert', key: 'keey', keyPassword: null },
  },
  {
    name: 'enableTLS, TLS cert/key + key password and assumed public CA',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { address: 'localhost:6379', tls: 'enable', cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
    resolvedEnv: KEDA_ENV,
    want: { tls: true, ca: null, cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
  },
  {
    name: 'enableTLS, TLS CA only',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { address: 'localhost:6379', tls: 'enable', ca: 'caaa' },
    resolvedEnv: KEDA_ENV,
    want: { tls: true, ca: 'caaa', cert: null, key: null, keyPassword: null },
  },
  {
    name: 'enableTLS is enabled by metadata',
    metadata: { listName: 'mylist', listLength: '0', enableTLS: 'true' },
    authParams: { address: 'localhost:6379' },
    resolvedEnv: KEDA_ENV,
    want: { tls: true, ca: null, cert: null, key: null, keyPassword: null },
  },
  {
    name: 'enableTLS is defined both in authParams and metadata',
    metadata: { listName: 'mylist', listLength: '0', enableTLS: 'true' },
    authParams: { address: 'localhost:6379', tls: 'disable' },
    resolvedEnv: KEDA_ENV,
    error: 'tls',
  },
  {
    name: 'host only is defined in the authParams',
    metadata: { listName: 'mylist', listLength: '0' },
    authParams: { host: 'localhost' },
    resolvedEnv: KEDA_ENV,
    error: 'address',
  },
];
// Rows 10-16 set listLength 0 in otherwise valid triggers.
for (const i of [10, 11, 12, 13, 14, 15, 16]) mainRows[i].differs = LIST_LENGTH_0;

const clusterRows: Row[] = [
  { name: 'empty metadata', metadata: {}, authParams: {}, resolvedEnv: {}, error: 'address', kedaError: 'ErrRedisNoAddresses' },
  {
    name: 'unequal number of Hosts/Ports',
    metadata: { listName: 'mylist', hosts: 'a, b, c', ports: '1, 2' },
    authParams: {},
    resolvedEnv: {},
    error: 'hosts',
    kedaError: 'ErrRedisUnequalHostsAndPorts',
  },
  {
    name: 'no list name',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listLength: '5' },
    authParams: {},
    resolvedEnv: {},
    error: 'listName',
    kedaError: 'ErrRedisParse',
  },
  {
    name: 'invalid list length',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', listLength: 'invalid' },
    authParams: {},
    resolvedEnv: {},
    error: 'listLength',
    kedaError: 'ErrRedisParse',
  },
  {
    name: 'address is defined in auth params',
    metadata: { listName: 'mylist' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Hosts and Ports given in auth params',
    metadata: { listName: 'mylist' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: '', password: '', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'Username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: 'username', password: '', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'Username given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', username: 'username' },
    authParams: {},
    resolvedEnv: {},
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: 'username', password: '', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'Username given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', usernameFromEnv: 'REDIS_USERNAME' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: 'none', password: '', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'Password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: '', password: 'password', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'Password given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: { addresses: ['a:1', 'b:2', 'c:3'], username: '', password: 'none', tls: false, listName: 'mylist', listLength: 5, activationListLength: 0 },
  },
  {
    name: 'tls enabled without setting UnsafeSsl',
    metadata: { listName: 'mylist', enableTLS: 'true' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: true,
      unsafeSsl: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'tls enabled with UnsafeSsl true',
    metadata: { listName: 'mylist', enableTLS: 'true', unsafeSsl: 'true' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: true,
      unsafeSsl: true,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
];

const sentinelRows: Row[] = [
  { name: 'empty metadata', metadata: {}, authParams: {}, resolvedEnv: {}, error: 'address', kedaError: 'ErrRedisNoAddresses' },
  {
    name: 'unequal number of Hosts/Ports',
    metadata: { hosts: 'a, b, c', ports: '1, 2' },
    authParams: {},
    resolvedEnv: {},
    error: 'hosts',
    kedaError: 'ErrRedisUnequalHostsAndPorts',
  },
  {
    name: 'no list name',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listLength: '5' },
    authParams: {},
    resolvedEnv: {},
    error: 'listName',
    kedaError: 'ErrRedisParse',
  },
  {
    name: 'invalid list length',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', listLength: 'invalid' },
    authParams: {},
    resolvedEnv: {},
    error: 'listLength',
    kedaError: 'ErrRedisParse',
  },
  {
    name: 'address is defined in auth params',
    metadata: { listName: 'mylist' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Hosts and Ports given in auth params',
    metadata: { listName: 'mylist' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Hosts and Ports given in auth params',
    metadata: { listName: 'mylist' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Username given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', username: 'username' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Username given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', usernameFromEnv: 'REDIS_USERNAME' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'none',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'Password given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', passwordFromEnv: 'REDIS_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'none',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelUsername given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { sentinelUsername: 'sentinelUsername' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelUsername given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', sentinelUsername: 'sentinelUsername' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelUsername given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', sentinelUsernameFromEnv: 'REDIS_SENTINEL_USERNAME' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'none',
      sentinelPassword: '',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelPassword given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { sentinelPassword: 'sentinelPassword' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'sentinelPassword',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelPassword given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', sentinelPasswordFromEnv: 'REDIS_SENTINEL_PASSWORD' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'none',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelMaster given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist' },
    authParams: { sentinelMaster: 'sentinelMaster' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      sentinelMaster: 'sentinelMaster',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelMaster given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', sentinelMaster: 'sentinelMaster' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      sentinelMaster: 'sentinelMaster',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'sentinelMaster given in metadata from env',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', listName: 'mylist', sentinelMasterFromEnv: 'REDIS_SENTINEL_MASTER' },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      sentinelMaster: 'none',
      tls: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'tls enabled without setting UnsafeSsl',
    metadata: { listName: 'mylist', enableTLS: 'true' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: false,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
  {
    name: 'tls enabled with UnsafeSsl true',
    metadata: { listName: 'mylist', enableTLS: 'true', unsafeSsl: 'true' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: true,
      listName: 'mylist',
      listLength: 5,
      activationListLength: 0,
    },
  },
];

/** Updraft's config in the terms of KEDA's redisMetadata. */
function summary(c: Record<string, unknown> & { connection: RedisConnection }): Record<string, unknown> {
  const conn = c.connection;
  const { connection: _, ...rest } = c;
  return {
    ...rest,
    addresses: conn.addresses.map((a) => `${a.host}:${a.port}`),
    username: conn.username ?? '',
    password: conn.password ?? '',
    sentinelMaster: conn.sentinel?.master,
    sentinelUsername: conn.sentinel?.username ?? '',
    sentinelPassword: conn.sentinel?.password ?? '',
    db: conn.db,
    tls: conn.tls !== undefined,
    unsafeSsl: conn.tls ? !conn.tls.rejectUnauthorized : false,
    ca: conn.tls?.ca,
    cert: conn.tls?.cert,
    key: conn.tls?.key,
    keyPassword: conn.tls?.passphrase,
  };
}

const REQUIRED = ['listName', 'sentinelMaster'];

function runRow(type: string, kind: RedisKind, r: Row): void {
  const p = (metadata: Record<string, string>) => parseFor(type, kind, { metadata, authParams: r.authParams, resolvedEnv: r.resolvedEnv });
  if (r.differs === LIST_LENGTH_0) {
    assertConfigError(() => p(r.metadata), 'listLength', /listLength must be a positive number, got '0'/);
    return checkWant(p({ ...r.metadata, listLength: '1' }), { ...r.want, listLength: 1 });
  }
  if (r.error) {
    // KEDA reports every problem; Updraft the first one — a required field the row also lacks comes first.
    const missing = REQUIRED.filter((f) => !r.metadata[f] && !r.authParams[f] && !r.metadata[`${f}FromEnv`]);
    assert.throws(
      () => p(r.metadata),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.ok([r.error, ...missing].includes(e.field), `field ${e.field}, want ${r.error}: ${e.message}`);
        return true;
      },
    );
    return;
  }
  checkWant(p(r.metadata), r.want ?? {});
}

function checkWant(c: RedisListConfig, want: Record<string, unknown>): void {
  const s = summary(c as unknown as Record<string, unknown> & { connection: RedisConnection });
  for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k], v ?? undefined, k);
}

/** Sentinel rows: Updraft requires sentinelMaster, so a row that gives none gets one. */
function withMaster(r: Row): Row {
  if (r.metadata.sentinelMaster || r.authParams.sentinelMaster || r.metadata.sentinelMasterFromEnv) return r;
  return { ...r, metadata: { ...r.metadata, sentinelMaster: 'mymaster' }, ...(r.want ? { want: { ...r.want, sentinelMaster: 'mymaster' } } : {}) };
}

describe("KEDA's metadata table (pkg/scalers/redis_scaler_test.go)", () => {
  for (const [i, r] of mainRows.entries()) {
    test(`KEDA redis row ${i}: ${r.name}${r.differs ? ' (Updraft differs: listLength 0)' : ''}`, () => runRow('redis', 'standalone', r));
  }
  for (const [i, r] of clusterRows.entries()) test(`KEDA redis-cluster case ${i}: ${r.name}`, () => runRow('redis-cluster', 'cluster', r));
  for (const [i, r] of sentinelRows.entries()) test(`KEDA redis-sentinel case ${i}: ${r.name}`, () => runRow('redis-sentinel', 'sentinel', withMaster(r)));
  // redisMetricIdentifiers: row 1 at trigger indexes 0 and 1.
  for (const [triggerIndex, name] of [
    [0, 's0-redis-mylist'],
    [1, 's1-redis-mylist'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} on row 1 is ${name}`, () => {
      const r = mainRows[1];
      const c = descriptor.parse({ metadata: r.metadata, authParams: r.authParams, resolvedEnv: r.resolvedEnv });
      assert.equal(descriptor.metricSpecs(c, triggerIndex)[0].metricName, name);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own parse rules.

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}, kind: RedisKind = 'standalone') =>
  parseFor(kind === 'standalone' ? 'redis' : `redis-${kind}`, kind, { metadata, authParams, resolvedEnv: {} });

test('redis parse: defaults listLength 5, activationListLength 0, database 0, no TLS', () => {
  const c = p({ address: 'r:6379', listName: 'q' });
  assert.deepEqual([c.listLength, c.activationListLength, c.connection.db, c.connection.tls], [5, 0, 0, undefined]);
  assert.equal(descriptor.activationThreshold(c), 0);
  assert.deepEqual(descriptor.metricSpecs(c, 2), [{ metricName: 's2-redis-q', kind: 'External', targetType: 'AverageValue', target: 5 }]);
});

test('redis parse: the metric name is normalized (KEDA NormalizeString)', () => {
  assert.equal(descriptor.metricSpecs(p({ address: 'r:6379', listName: 'app:jobs/high.prio' }), 0)[0].metricName, 's0-redis-app-jobs-high-prio');
});

test('redis parse: a bare host gets port 6379; [v6]:port and :port parse', () => {
  assert.deepEqual(parseAddress('redis', 'redis.ns', "'x'"), { host: 'redis.ns', port: 6379 });
  assert.deepEqual(parseAddress('redis', '[::1]:7000', "'x'"), { host: '::1', port: 7000 });
  assert.deepEqual(parseAddress('redis', ':7001', "'x'"), { host: '127.0.0.1', port: 7001 });
});

const badAddresses: Array<[string, string, RegExp]> = [
  ['a port that is not a number', 'redis:http', /the port must be a number from 1 to 65535/],
  ['a port out of range', 'redis:70000', /the port must be a number from 1 to 65535/],
  ['an IPv6 host without brackets', '::1:6379', /an IPv6 host needs brackets/],
  ['a host with a slash', 'redis/x:6379', /the host is not a host name or IP address/],
];
for (const [name, address, message] of badAddresses) {
  test(`redis parse: ${name} is refused naming address`, () => assertConfigError(() => p({ address, listName: 'q' }), 'address', message));
}

test('redis parse: an address from the TriggerAuthentication is never echoed', () => {
  assert.throws(
    () => p({ listName: 'q' }, { address: 'secret-host:notaport' }),
    (e: Error) => /not shown/.test(e.message) && !e.message.includes('secret-host'),
  );
});

test('redis parse: the cloud metadata address is refused at parse', () => {
  assertConfigError(() => p({ address: '169.254.169.254:6379', listName: 'q' }), 'address', /cloud metadata/);
});

test('redis parse: a standalone trigger uses only the first address; cluster and sentinel use all', () => {
  assert.equal(p({ address: 'a:1,b:2', listName: 'q' }).connection.addresses.length, 1);
  assert.equal(p({ addresses: 'a:1,b:2', listName: 'q' }, {}, 'cluster').connection.addresses.length, 2);
});

test('redis parse: TLS from metadata with unsafeSsl, and the key password', () => {
  const c = p({ address: 'r:6380', listName: 'q', enableTLS: 'true', unsafeSsl: 'true' }, { cert: 'C', key: 'K', keyPassword: 'KP', ca: 'CA' });
  assert.deepEqual(c.connection.tls, { rejectUnauthorized: false, cert: 'C', key: 'K', passphrase: 'KP', ca: 'CA' });
  assert.equal(p({ address: 'r:6380', listName: 'q' }, { tls: 'disable', cert: 'C' }).connection.tls, undefined);
});

test('redis parse: a tls auth parameter other than enable/disable is refused without echoing it', () => {
  assert.throws(
    () => p({ address: 'r:1', listName: 'q' }, { tls: 'yes-secret' }),
    (e: Error) => /tls must be one of enable, disable/.test(e.message) && !e.message.includes('yes-secret'),
  );
});

test('redis parse: databaseIndex below 0 is refused; a cluster always uses database 0', () => {
  assertConfigError(() => p({ address: 'r:1', listName: 'q', databaseIndex: '-1' }), 'databaseIndex', /databaseIndex must be 0 or more/);
  assert.equal(p({ addresses: 'r:1', listName: 'q', databaseIndex: '3' }, {}, 'cluster').connection.db, 0);
});

test('redis-sentinel parse: sentinelMaster is required, and comes with the sentinel credentials', () => {
  assertConfigError(() => p({ addresses: 's:26379', listName: 'q' }, {}, 'sentinel'), 'sentinelMaster', /missing required parameter "sentinelMaster"/);
  const c = p({ addresses: 's:26379', listName: 'q', sentinelMaster: 'm' }, { sentinelUsername: 'su', sentinelPassword: 'sp' }, 'sentinel');
  assert.deepEqual(c.connection.sentinel, { master: 'm', username: 'su', password: 'sp' });
});

test('redis offline: an address only the TriggerAuthentication holds is a note, not an error', () => {
  const r = checkTriggerOffline({ type: 'redis', metadata: { listName: 'q' }, authenticationRef: { name: 'a', kind: 'TriggerAuthentication' } }, 0);
  assert.ok(r.ok);
  assert.ok(
    r.notes.some((n) => n.startsWith('address is taken from the TriggerAuthentication')),
    r.notes.join('; '),
  );
  const bad = checkTriggerOffline({ type: 'redis', metadata: { listName: 'q' } }, 0);
  assert.ok(!bad.ok && bad.error.field === 'address');
});

for (const [d, kind] of [
  [descriptor, 'standalone'],
  [clusterDescriptor, 'cluster'],
  [sentinelDescriptor, 'sentinel'],
] as const) {
  test(`${d.type}: the list types share one parse; this one connects as ${kind}`, () => {
    assert.equal(d.parse({ metadata: { addresses: 'a:1', listName: 'q', sentinelMaster: 'm' }, authParams: {}, resolvedEnv: {} }).connection.kind, kind);
  });
}

// ---- value maths and error classes ----

test('redis value: the EVAL reply is the length; anything else is an error', () => {
  assert.equal(lengthFromReply('redis', 12), 12);
  assert.equal(lengthFromReply('redis', '3'), 3);
  assert.throws(() => lengthFromReply('redis', 'OK'), ReadError);
});

test('redis value: the length script counts lists, sets, sorted sets and hashes, and refuses other types (KEDA)', () => {
  assert.match(LENGTH_SCRIPT, /llen[\s\S]*scard[\s\S]*zcard[\s\S]*hlen|zcard[\s\S]*scard[\s\S]*hlen[\s\S]*llen/);
  assert.match(LENGTH_SCRIPT, /ERR unsupported key type/);
});

const conn = parseConnection(
  'redis',
  'standalone',
  { addresses: ['r:6379'], unsafeSsl: false, password: 'pw-secret' },
  { metadata: { address: 'r:6379' }, authParams: {}, resolvedEnv: {} },
);
const classes: Array<[string, unknown, Error | undefined, ReadError['kind']]> = [
  ['WRONGPASS is auth', new Error('WRONGPASS invalid username-password pair'), undefined, 'auth'],
  ['NOAUTH is auth', new Error('NOAUTH Authentication required.'), undefined, 'auth'],
  [
    'a queued command flushed after an auth failure is auth',
    Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }),
    new Error('WRONGPASS x'),
    'auth',
  ],
  ['ECONNREFUSED is unreachable', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined, 'unreachable'],
  [
    'a flushed command after a refused connect is unreachable',
    Object.assign(new Error('Reached the max retries'), { name: 'MaxRetriesPerRequestError' }),
    Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    'unreachable',
  ],
  ['no sentinel is unreachable', new Error('All sentinels are unreachable and retry is disabled.'), undefined, 'unreachable'],
  ['an unknown master is a bad query', new Error('All sentinels are unreachable. Last error: ERR No such master with that name'), undefined, 'bad-query'],
  ['a command timeout is a timeout', new Error('Command timed out'), undefined, 'timeout'],
  ['WRONGTYPE is a bad query', new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), undefined, 'bad-query'],
  [
    'a TLS failure is unreachable with the fix',
    Object.assign(new Error('self signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    undefined,
    'unreachable',
  ],
  ['anything else is other', new Error('something odd'), undefined, 'other'],
];
for (const [name, e, last, kind] of classes) {
  test(`redis errors: ${name}`, () => {
    const r = classifyRedisError('redis', conn, e, last);
    assert.equal(r.kind, kind);
    assert.ok(!r.message.includes('pw-secret'));
    assert.match(r.message, /redis r:6379/);
  });
}

/** A ConfigError for `field`, whose message matches `message`. */
function assertConfigError(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

// ---- the reader, without a server: a closed loopback port ----

import { createServer as createTcpServer } from 'node:net';
import { buildScaler } from './index.ts';
import { redisPoolSize } from './common/redis-connection.ts';

async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const readerKinds: Array<[string, (port: number) => Record<string, string>]> = [
  ['redis', (port) => ({ address: `127.0.0.1:${port}`, listName: 'q' })],
  ['redis-cluster', (port) => ({ addresses: `127.0.0.1:${port}`, listName: 'q' })],
  ['redis-sentinel', (port) => ({ addresses: `127.0.0.1:${port}`, sentinelMaster: 'm', listName: 'q' })],
  ['redis-streams', (port) => ({ address: `localhost:${port}`, stream: 's', consumerGroup: 'g' })],
];
for (const [type, metadata] of readerKinds) {
  test(`${type} reader: a closed port is unreachable, and close releases the pooled client`, async () => {
    const before = redisPoolSize();
    const s = buildScaler({
      trigger: { type, metadata: metadata(await closedPort()), useCachedMetrics: false },
      triggerIndex: 0,
      namespace: 'ns',
      objectName: 'o',
      objectKind: 'ScaledObject',
      authParams: { password: 'pw' },
      resolvedEnv: {},
      httpTimeoutMs: 2000,
    });
    assert.equal(redisPoolSize(), before + 1);
    await assert.rejects(s.read(AbortSignal.timeout(5000)), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable');
    await s.close();
    assert.equal(redisPoolSize(), before);
  });
}

test('redis reader: an aborted read is a timeout', async () => {
  const s = buildScaler({
    trigger: { type: 'redis', metadata: { address: `127.0.0.1:${await closedPort()}`, listName: 'q' }, useCachedMetrics: false },
    triggerIndex: 0,
    namespace: 'ns',
    objectName: 'o',
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 2000,
  });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.read(ac.signal), (e: unknown) => e instanceof ReadError && e.kind === 'timeout');
  await s.close();
});
