import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RedisConnection, RedisKind } from './common/redis-connection.ts';
import { checkLagVersion, descriptor, lagOfGroup, parseFor, readStream, streamMode, type RedisStreamsConfig } from './redis-streams.ts';
import { activeByThreshold, ConfigError, ReadError } from './scaler.ts';

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata tables (pkg/scalers/redis_streams_scaler_test.go): TestParseRedisStreamsMetadata (pending and
// lag cases), TestParseRedisStreamsMetadataForInvalidCases, TestRedisStreamsGetMetricSpecForScaling,
// TestParseRedisClusterStreamsMetadata (`redis-cluster-streams`), TestParseRedisSentinelStreamsMetadata
// (`redis-sentinel-streams`) and TestActivityCount, one subtest per row.
//
// Deliberate differences, marked on the rows they touch:
// - a port that is not a number is refused at parse (KEDA's parse keeps `myredis:REDIS_PORT` and the dial fails):
//   the two "with host and port" rows set port to the literal REDIS_PORT.
// - redis-sentinel-streams requires sentinelMaster; sentinel rows that give none get `sentinelMaster: mymaster`.
// - an address `:7001` dials 127.0.0.1 (as go-redis).
// - where KEDA reports several problems at once, Updraft reports the first (a required field the row lacks).

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
  authParams?: Record<string, string> | null;
  resolvedEnv?: Record<string, string>;
  want?: Record<string, unknown>;
  error?: string;
  kedaError?: string;
}

const pendingRows: Row[] = [
  {
    name: 'with address',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: '5',
      addressFromEnv: 'REDIS_SERVICE',
      usernameFromEnv: 'REDIS_USERNAME',
      passwordFromEnv: 'REDIS_PASSWORD',
      databaseIndex: '0',
      enableTLS: 'true',
    },
    resolvedEnv: { REDIS_SERVICE: 'myredis:6379', REDIS_USERNAME: 'foobarred', REDIS_PASSWORD: 'foobarred' },
    authParams: null,
  },
  {
    name: 'with host and port',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: '15',
      hostFromEnv: 'REDIS_HOST',
      port: 'REDIS_PORT',
      usernameFromEnv: 'REDIS_USERNAME',
      passwordFromEnv: 'REDIS_PASSWORD',
      databaseIndex: '0',
      enableTLS: 'false',
    },
    resolvedEnv: { REDIS_HOST: 'myredis', REDIS_PORT: '6379', REDIS_USERNAME: 'foobarred', REDIS_PASSWORD: 'foobarred' },
    authParams: { ident: 'authParams' },
  },
];
const lagRows: Row[] = [
  {
    name: 'with address',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      lagCount: '5',
      activationLagCount: '3',
      addressFromEnv: 'REDIS_SERVICE',
      usernameFromEnv: 'REDIS_USERNAME',
      passwordFromEnv: 'REDIS_PASSWORD',
      databaseIndex: '0',
      enableTLS: 'true',
    },
    resolvedEnv: { REDIS_SERVICE: 'myredis:6379', REDIS_USERNAME: 'foobarred', REDIS_PASSWORD: 'foobarred' },
    authParams: null,
  },
  {
    name: 'with host and port',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      lagCount: '2',
      activationLagCount: '3',
      hostFromEnv: 'REDIS_HOST',
      port: 'REDIS_PORT',
      usernameFromEnv: 'REDIS_USERNAME',
      passwordFromEnv: 'REDIS_PASSWORD',
      databaseIndex: '0',
      enableTLS: 'false',
    },
    resolvedEnv: { REDIS_HOST: 'myredis', REDIS_PORT: '6379', REDIS_USERNAME: 'foobarred', REDIS_PASSWORD: 'foobarred' },
    authParams: { ident: 'authParams' },
  },
];
const INVALID_ENV = { REDIS_SERVER: 'myredis:6379', REDIS_HOST: 'myredis', REDIS_PORT: '6379', REDIS_PASSWORD: '' };
const invalidRows: Row[] = [
  {
    name: 'missing address as well as host/port',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', lagCount: '5', consumerGroup: 'my-stream-consumer-group' },
  },
  {
    name: 'host present but missing port',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', lagCount: '5', consumerGroup: 'my-stream-consumer-group', host: 'REDIS_HOST' },
  },
  {
    name: 'port present but missing host',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', lagCount: '5', consumerGroup: 'my-stream-consumer-group', port: 'REDIS_PORT' },
  },
  { name: 'missing stream', metadata: { pendingEntriesCount: '5', consumerGroup: 'my-stream-consumer-group', address: 'REDIS_HOST' } },
  {
    name: 'invalid lag',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: '5',
      lagCount: 'junk',
      host: 'REDIS_HOST',
      port: 'REDIS_PORT',
      databaseIndex: '0',
      enableTLS: 'false',
    },
  },
  {
    name: 'invalid pendingEntriesCount',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: 'junk',
      host: 'REDIS_HOST',
      port: 'REDIS_PORT',
      databaseIndex: '0',
      enableTLS: 'false',
    },
  },
  {
    name: 'invalid streamLength',
    metadata: { stream: 'my-stream', streamLength: 'junk', host: 'REDIS_HOST', port: 'REDIS_PORT', databaseIndex: '0', enableTLS: 'false' },
  },
  {
    name: 'invalid databaseIndex',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: '15',
      address: 'REDIS_SERVER',
      databaseIndex: 'junk',
      enableTLS: 'false',
    },
  },
  {
    name: 'invalid enableTLS',
    metadata: {
      stream: 'my-stream',
      consumerGroup: 'my-stream-consumer-group',
      pendingEntriesCount: '15',
      address: 'REDIS_SERVER',
      databaseIndex: '1',
      enableTLS: 'no',
    },
  },
];
const invalidFields = ['address', 'address', 'address', 'stream', 'lagCount', 'pendingEntriesCount', 'streamLength', 'databaseIndex', 'enableTLS'];
const clusterRows: Row[] = [
  { name: 'empty metadata', metadata: {}, authParams: {}, resolvedEnv: {}, error: 'address', kedaError: 'ErrRedisNoAddresses' },
  {
    name: 'unequal number of hosts/ports',
    metadata: { hosts: 'a, b, c', ports: '1, 2' },
    authParams: {},
    resolvedEnv: {},
    error: 'hosts',
    kedaError: 'ErrRedisUnequalHostsAndPorts',
  },
  {
    name: 'no stream name',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', pendingEntriesCount: '5' },
    authParams: {},
    resolvedEnv: {},
    error: 'stream',
    kedaError: 'ErrRedisMissingStreamName',
  },
  {
    name: 'invalid pending entries count',
    metadata: { stream: 'my-stream', hosts: 'a, b, c', ports: '1, 2, 3', consumerGroup: 'consumer1', pendingEntriesCount: 'invalid' },
    authParams: {},
    resolvedEnv: {},
    error: 'pendingEntriesCount',
    kedaError: 'ErrRedisStreamParse',
  },
  {
    name: 'invalid lag',
    metadata: { stream: 'my-stream', hosts: 'a, b, c', ports: '1, 2, 3', consumerGroup: 'consumer1', pendingEntriesCount: '5', lagCount: 'junk' },
    authParams: {},
    resolvedEnv: {},
    error: 'lagCount',
    kedaError: 'ErrRedisStreamParse',
  },
  {
    name: 'address is defined in auth params',
    metadata: { stream: 'my-stream', lagCount: '6', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 6,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'zero activation lag count with lag count is allowed',
    metadata: { stream: 'my-stream', lagCount: '7', activationLagCount: '0', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'address is defined in auth params',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'hosts and ports given in auth params',
    metadata: { stream: 'my-stream', lagCount: '6', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 6,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'hosts and ports given in auth params',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1', username: 'username' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      usernameFromEnv: 'REDIS_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'none',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      usernameFromEnv: 'REDIS_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'none',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      passwordFromEnv: 'REDIS_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'none',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      passwordFromEnv: 'REDIS_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'none',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled without setting unsafeSsl',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: true,
      unsafeSsl: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled without setting unsafeSsl',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1', enableTLS: 'true' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: true,
      unsafeSsl: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled with unsafeSsl true',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
      unsafeSsl: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: true,
      unsafeSsl: true,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled with unsafeSsl true',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
      unsafeSsl: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: true,
      unsafeSsl: true,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls in auth param',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { password: 'password', tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      tls: true,
      unsafeSsl: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'stream is provided',
    metadata: { stream: 'my-stream' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'streamLength',
      target: 5,
      activationLagCount: 0,
    },
  },
  {
    name: 'stream, consumerGroup is provided',
    metadata: { stream: 'my-stream', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
];
const sentinelRows: Row[] = [
  { name: 'empty metadata', metadata: {}, authParams: {}, resolvedEnv: {}, error: 'address', kedaError: 'ErrRedisNoAddresses' },
  {
    name: 'unequal number of hosts/ports',
    metadata: { hosts: 'a, b, c', ports: '1, 2' },
    authParams: {},
    resolvedEnv: {},
    error: 'hosts',
    kedaError: 'ErrRedisUnequalHostsAndPorts',
  },
  {
    name: 'no stream name',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', pendingEntriesCount: '5' },
    authParams: {},
    resolvedEnv: {},
    error: 'stream',
    kedaError: 'ErrRedisMissingStreamName',
  },
  {
    name: 'invalid lag count',
    metadata: {
      stream: 'my-stream',
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      consumerGroup: 'consumer1',
      pendingEntriesCount: '5',
      lagCount: 'invalid',
      activationLagCount: '3',
    },
    authParams: {},
    resolvedEnv: {},
    error: 'lagCount',
    kedaError: 'ErrRedisStreamParse',
  },
  {
    name: 'address is defined in auth params',
    metadata: { stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'address is defined in auth params',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { addresses: ':7001, :7002' },
    resolvedEnv: {},
    want: {
      addresses: ['127.0.0.1:7001', '127.0.0.1:7002'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'hosts and ports given in auth params',
    metadata: { stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'hosts and ports given in auth params',
    metadata: { stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { hosts: '   a, b,    c ', ports: '1, 2, 3' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { username: 'username' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      username: 'username',
    },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1', username: 'username' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'username',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      usernameFromEnv: 'REDIS_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'none',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'username given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      usernameFromEnv: 'REDIS_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: 'none',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      passwordFromEnv: 'REDIS_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'none',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'password given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      passwordFromEnv: 'REDIS_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'none',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { sentinelUsername: 'sentinelUsername' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { sentinelUsername: 'sentinelUsername' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in metadata',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      sentinelUsername: 'sentinelUsername',
    },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in metadata',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      sentinelUsername: 'sentinelUsername',
    },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'sentinelUsername',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      sentinelUsernameFromEnv: 'REDIS_SENTINEL_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'none',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelUsername given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      sentinelUsernameFromEnv: 'REDIS_SENTINEL_USERNAME',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: 'none',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelPassword given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: { sentinelPassword: 'sentinelPassword' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'sentinelPassword',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelPassword given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: { sentinelPassword: 'sentinelPassword' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'sentinelPassword',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelPassword given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      sentinelPasswordFromEnv: 'REDIS_SENTINEL_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'none',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelPassword given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      sentinelPasswordFromEnv: 'REDIS_SENTINEL_PASSWORD',
    },
    authParams: {},
    resolvedEnv: KEDA_ENV,
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: 'none',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
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
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in authParams',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
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
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in metadata',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      sentinelMaster: 'sentinelMaster',
    },
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
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in metadata',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      sentinelMaster: 'sentinelMaster',
    },
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
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      sentinelMasterFromEnv: 'REDIS_SENTINEL_MASTER',
    },
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
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'sentinelMaster given in metadata from env',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      sentinelMasterFromEnv: 'REDIS_SENTINEL_MASTER',
    },
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
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled without setting unsafeSsl',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled without setting unsafeSsl',
    metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', pendingEntriesCount: '5', consumerGroup: 'consumer1', enableTLS: 'true' },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled with unsafeSsl true',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      lagCount: '7',
      activationLagCount: '3',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
      unsafeSsl: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: true,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 7,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'tls enabled with unsafeSsl true',
    metadata: {
      hosts: 'a, b, c',
      ports: '1, 2, 3',
      stream: 'my-stream',
      pendingEntriesCount: '5',
      consumerGroup: 'consumer1',
      enableTLS: 'true',
      unsafeSsl: 'true',
    },
    authParams: { password: 'password' },
    resolvedEnv: {},
    want: {
      addresses: ['a:1', 'b:2', 'c:3'],
      username: '',
      password: 'password',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: true,
      unsafeSsl: true,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'streamLength passed',
    metadata: { hosts: 'a', ports: '1', stream: 'my-stream', streamLength: '15' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'streamLength',
      target: 15,
      activationLagCount: 0,
    },
  },
  {
    name: 'streamLength, pendingEntriesCount and consumerGroup passed',
    metadata: { hosts: 'a', ports: '1', stream: 'my-stream', streamLength: '15', lagCount: '70', activationLagCount: '3', consumerGroup: 'consumer1' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'lagCount',
      target: 70,
      activationLagCount: 3,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'streamLength, pendingEntriesCount and consumerGroup passed',
    metadata: { hosts: 'a', ports: '1', stream: 'my-stream', streamLength: '15', pendingEntriesCount: '5', consumerGroup: 'consumer1' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'pendingEntriesCount',
      target: 5,
      activationLagCount: 0,
      consumerGroup: 'consumer1',
    },
  },
  {
    name: 'streamLength and pendingEntriesCount passed',
    metadata: { hosts: 'a', ports: '1', stream: 'my-stream', streamLength: '15', pendingEntriesCount: '30' },
    authParams: {},
    resolvedEnv: {},
    want: {
      addresses: ['a:1'],
      username: '',
      password: '',
      sentinelUsername: '',
      sentinelPassword: '',
      tls: false,
      stream: 'my-stream',
      mode: 'streamLength',
      target: 15,
      activationLagCount: 0,
    },
  },
];

function summary(c: RedisStreamsConfig): Record<string, unknown> {
  const conn: RedisConnection = c.connection;
  return {
    stream: c.stream,
    consumerGroup: c.consumerGroup,
    mode: c.mode,
    target: c.target,
    activationLagCount: c.activationLagCount,
    addresses: conn.addresses.map((a) => `${a.host}:${a.port}`),
    username: conn.username ?? '',
    password: conn.password ?? '',
    sentinelMaster: conn.sentinel?.master,
    sentinelUsername: conn.sentinel?.username ?? '',
    sentinelPassword: conn.sentinel?.password ?? '',
    db: conn.db,
    tls: conn.tls !== undefined,
    unsafeSsl: conn.tls ? !conn.tls.rejectUnauthorized : false,
  };
}

const parseRow = (type: string, kind: RedisKind, r: Row) =>
  parseFor(type, kind, { metadata: r.metadata, authParams: r.authParams ?? {}, resolvedEnv: r.resolvedEnv ?? {} });

const REQUIRED = ['stream', 'sentinelMaster'];

function runRow(type: string, kind: RedisKind, r: Row): void {
  if (r.error) {
    const missing = REQUIRED.filter((f) => !r.metadata[f] && !r.authParams?.[f] && !r.metadata[`${f}FromEnv`]);
    assert.throws(
      () => parseRow(type, kind, r),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.ok([r.error, ...missing].includes(e.field), `field ${e.field}, want ${r.error}: ${e.message}`);
        return true;
      },
    );
    return;
  }
  const s = summary(parseRow(type, kind, r));
  for (const [k, v] of Object.entries(r.want ?? {})) assert.deepEqual(s[k], v, k);
}

function withMaster(r: Row): Row {
  if (r.metadata.sentinelMaster || r.authParams?.sentinelMaster || r.metadata.sentinelMasterFromEnv) return r;
  return { ...r, metadata: { ...r.metadata, sentinelMaster: 'mymaster' }, ...(r.want ? { want: { ...r.want, sentinelMaster: 'mymaster' } } : {}) };
}

/** TestParseRedisStreamsMetadata's checks: stream, group, target, credentials, database and TLS as the row says. */
function pendingOrLag(r: Row, mode: 'pendingEntriesCount' | 'lagCount'): void {
  const c = parseRow('redis-streams', 'standalone', r);
  const s = summary(c);
  assert.equal(s.stream, r.metadata.stream);
  assert.equal(s.consumerGroup, r.metadata.consumerGroup);
  assert.equal(s.mode, mode);
  assert.equal(s.target, Number(r.metadata[mode]));
  assert.equal(s.username, 'foobarred');
  assert.equal(s.password, 'foobarred');
  assert.equal(s.db, Number(r.metadata.databaseIndex));
  assert.equal(s.tls, r.metadata.enableTLS === 'true');
}

describe("KEDA's metadata table (pkg/scalers/redis_streams_scaler_test.go)", () => {
  for (const [mode, rows] of [
    ['pendingEntriesCount', pendingRows],
    ['lagCount', lagRows],
  ] as const) {
    for (const [i, r] of rows.entries()) {
      if (r.name === 'with host and port') {
        // Differs on purpose: port is the literal text REDIS_PORT (portFromEnv was meant); Updraft refuses a port
        // that is not a number at parse, KEDA only when it dials.
        test(`KEDA ${mode} case ${i}: ${r.name} (Updraft differs: the literal port REDIS_PORT is refused)`, () => {
          assert.throws(
            () => parseRow('redis-streams', 'standalone', r),
            (e: unknown) => e instanceof ConfigError && e.field === 'address' && /port must be a number/.test(e.message),
          );
          pendingOrLag({ ...r, metadata: { ...r.metadata, port: '6379' } }, mode);
        });
      } else {
        test(`KEDA ${mode} case ${i}: ${r.name}`, () => pendingOrLag(r, mode));
      }
    }
  }
  for (const [i, r] of invalidRows.entries()) {
    test(`KEDA invalid case ${i}: ${r.name}`, () => runRow('redis-streams', 'standalone', { ...r, resolvedEnv: INVALID_ENV, error: invalidFields[i] }));
  }
  for (const [triggerIndex, name] of [
    [0, 's0-redis-streams-my-stream'],
    [1, 's1-redis-streams-my-stream'],
  ] as const) {
    test(`KEDA metric name: trigger ${triggerIndex} is ${name}`, () => {
      const c = descriptor.parse({
        metadata: {
          stream: 'my-stream',
          consumerGroup: 'my-stream-consumer-group',
          pendingEntriesCount: '5',
          address: 'REDIS_SERVICE',
          password: 'REDIS_PASSWORD',
          databaseIndex: '0',
          enableTLS: 'true',
        },
        authParams: {},
        resolvedEnv: { REDIS_SERVICE: 'my-address' },
      });
      assert.equal(descriptor.metricSpecs(c, triggerIndex)[0].metricName, name);
    });
  }
  for (const [i, r] of clusterRows.entries()) test(`KEDA redis-cluster-streams case ${i}: ${r.name}`, () => runRow('redis-cluster-streams', 'cluster', r));
  for (const [i, r] of sentinelRows.entries())
    test(`KEDA redis-sentinel-streams case ${i}: ${r.name}`, () => runRow('redis-sentinel-streams', 'sentinel', withMaster(r)));
  test('KEDA TestActivityCount: lag 0 against activationLagCount 3 is inactive, lag 4 active', () => {
    const c = parseRow('redis-streams', 'standalone', {
      name: '',
      metadata: { hosts: 'a, b, c', ports: '1, 2, 3', stream: 'my-stream', lagCount: '7', activationLagCount: '3', consumerGroup: 'consumer1' },
      resolvedEnv: KEDA_ENV,
    });
    assert.deepEqual([c.mode, c.target, c.activationLagCount], ['lagCount', 7, 3]);
    const t = descriptor.activationThreshold(c);
    assert.equal(activeByThreshold([{ name: 'm', value: 0 }], t), false);
    assert.equal(activeByThreshold([{ name: 'm', value: 4 }], t), true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own rules and the value maths.

test('redis-streams mode: no group reads the stream length; a group its pending entries; a group and lagCount the lag', () => {
  assert.equal(streamMode(undefined, 5), 'streamLength');
  assert.equal(streamMode('g', undefined), 'pendingEntriesCount');
  assert.equal(streamMode('g', 0), 'pendingEntriesCount');
  assert.equal(streamMode('g', 3), 'lagCount');
});

test("redis-streams parse: a target of 0 is refused naming the mode's field", () => {
  const md = { address: 'r:1', stream: 's' };
  assert.throws(
    () => descriptor.parse({ metadata: { ...md, streamLength: '0' }, authParams: {}, resolvedEnv: {} }),
    (e: unknown) => e instanceof ConfigError && e.field === 'streamLength',
  );
  assert.throws(
    () => descriptor.parse({ metadata: { ...md, consumerGroup: 'g', pendingEntriesCount: '-1' }, authParams: {}, resolvedEnv: {} }),
    (e: unknown) => e instanceof ConfigError && e.field === 'pendingEntriesCount',
  );
});

test('redis-streams lag: Redis 7+ is required (KEDA wording), the version is read from INFO', () => {
  checkLagVersion('redis-streams', '# Server\r\nredis_version:7.0.15\r\n');
  assert.throws(
    () => checkLagVersion('redis-streams', 'redis_version:6.2.1\n'),
    (e: unknown) => e instanceof ReadError && e.kind === 'bad-query' && /redis version 7\+ required for lag/.test(e.message),
  );
  assert.throws(() => checkLagVersion('redis-streams', 'nothing'), /could not find Redis version number/);
  assert.throws(() => checkLagVersion('redis-streams', 'redis_version:x'), /could not be converted to number/);
});

test("redis-streams lag: the group's lag from XINFO GROUPS; an unknown group is undefined; a nil lag is 0", () => {
  const reply = [
    ['name', 'a', 'consumers', 1, 'pending', 2, 'last-delivered-id', '1-0', 'entries-read', 4, 'lag', 2],
    ['name', 'b', 'consumers', 0, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', null, 'lag', null],
  ];
  assert.equal(lagOfGroup(reply, 'a'), 2);
  assert.equal(lagOfGroup(reply, 'b'), 0);
  assert.equal(lagOfGroup(reply, 'c'), undefined);
  assert.equal(lagOfGroup('junk', 'a'), undefined);
});

function fakeRedis(over: Partial<Record<'xpending' | 'xlen' | 'info' | 'xinfo', (...a: unknown[]) => Promise<unknown>>>) {
  return {
    xpending: over.xpending ?? (async () => [3, '1-0', '3-0', [['c', '3']]]),
    xlen: over.xlen ?? (async () => 9),
    info: over.info ?? (async () => 'redis_version:7.2.0\n'),
    xinfo: over.xinfo ?? (async () => [['name', 'g', 'lag', 4]]),
  } as never;
}
const cfg = (metadata: Record<string, string>) => descriptor.parse({ metadata: { address: 'r:1', stream: 's', ...metadata }, authParams: {}, resolvedEnv: {} });

const reads: Array<[string, Record<string, string>, Parameters<typeof fakeRedis>[0], number]> = [
  ['pending entries: the XPENDING summary count', { consumerGroup: 'g' }, {}, 3],
  ['pending entries: an empty summary is 0', { consumerGroup: 'g' }, { xpending: async () => [0, null, null, null] }, 0],
  ['stream length: XLEN', {}, {}, 9],
  ["lag: the group's lag", { consumerGroup: 'g', lagCount: '2' }, {}, 4],
  ['lag: a group not there yet is the stream length', { consumerGroup: 'other', lagCount: '2' }, {}, 9],
  [
    'lag: a stream not there yet is 0',
    { consumerGroup: 'g', lagCount: '2' },
    {
      xinfo: async () => {
        throw new Error('ERR no such key');
      },
    },
    0,
  ],
];
for (const [name, md, over, want] of reads) {
  test(`redis-streams read: ${name}`, async () => assert.equal(await readStream('redis-streams', cfg(md), fakeRedis(over)), want));
}
