import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HttpGetter } from './common/http-get.ts';
import { activeByThreshold, ReadError, type ParseInput } from './scaler.ts';
import {
  clusterNodes,
  consumerLag,
  descriptor,
  findConsumer,
  httpGetJson,
  JetStreamMonitor,
  monitoringURL,
  nodeURL,
  nodeURLByName,
  parse,
  varzURL,
  type GetJson,
  type JszResponse,
  type NatsJetStreamConfig,
} from './nats-jetstream.ts';

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}, more: Partial<ParseInput> = {}) =>
  parse({ metadata, authParams, resolvedEnv: {}, ...more });

function assertConfigError(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ConfigError');
    assert.equal((e as { field?: string }).field, field);
    assert.match(e.message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// KEDA's tables (pkg/scalers/nats_jetstream_scaler_test.go), one subtest per row, in KEDA's order.

const good = {
  natsServerMonitoringEndpoint: 'localhost:8222',
  account: '$G',
  stream: 'mystream',
  consumer: 'pull_consumer',
  useHttps: 'false',
  activationLagThreshold: '10',
};

const metadataRows: Array<{
  name: string;
  metadata: Record<string, string>;
  authParams: Record<string, string>;
  want?: Partial<NatsJetStreamConfig>;
  error?: [string, RegExp];
}> = [
  {
    name: 'all good, localhost, account and accountID',
    metadata: {
      natsServerMonitoringEndpoint: 'localhost:8222',
      account: '$G',
      accountID: '$G',
      stream: 'mystream',
      consumer: 'pull_consumer',
      useHttps: 'false',
    },
    authParams: {},
    want: { monitoringURL: 'http://localhost:8222/jsz?acc=%24G&config=true&consumers=true', lagThreshold: 10, activationLagThreshold: 0 },
  },
  {
    name: 'all good, a service name with useHttps',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', stream: 'mystream', consumer: 'pull_consumer', useHttps: 'true' },
    authParams: {},
    want: { scheme: 'https', monitoringURL: 'https://nats.nats:8222/jsz?acc=%24G&config=true&consumers=true' },
  },
  {
    name: 'all good, accountID only',
    metadata: { natsServerMonitoringEndpoint: 'localhost:8222', accountID: '$G', stream: 'mystream', consumer: 'pull_consumer', useHttps: 'false' },
    authParams: {},
    want: { accountID: '$G', account: '' },
  },
  {
    name: 'nothing passed',
    metadata: {},
    authParams: {},
    error: ['natsServerMonitoringEndpoint', /missing required parameter "natsServerMonitoringEndpoint" in \[authParams triggerMetadata\]/],
  },
  {
    name: 'no account name or id',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', stream: 'mystream', consumer: 'pull_consumer' },
    authParams: {},
    error: ['account', /^nats-jetstream: no account name or id given/],
  },
  {
    name: 'no stream',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', consumer: 'pull_consumer' },
    authParams: {},
    error: ['stream', /missing required parameter "stream"/],
  },
  {
    name: 'no consumer',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', stream: 'mystream' },
    authParams: {},
    error: ['consumer', /missing required parameter "consumer"/],
  },
  {
    name: 'no monitoring endpoint',
    metadata: { account: '$G', stream: 'mystream' },
    authParams: {},
    error: ['natsServerMonitoringEndpoint', /missing required parameter "natsServerMonitoringEndpoint"/],
  },
  {
    name: 'all good with activationLagThreshold',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', stream: 'mystream', consumer: 'pull_consumer', activationLagThreshold: '10' },
    authParams: {},
    want: { activationLagThreshold: 10 },
  },
  {
    name: 'an activationLagThreshold that is no number',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', stream: 'mystream', consumer: 'pull_consumer', activationLagThreshold: 'Y' },
    authParams: {},
    error: ['activationLagThreshold', /^nats-jetstream: activationLagThreshold must be a whole number, got 'Y'$/],
  },
  {
    name: 'the endpoint from the TriggerAuthentication',
    metadata: { account: '$G', stream: 'mystream', consumer: 'pull_consumer' },
    authParams: { natsServerMonitoringEndpoint: 'nats.nats:8222' },
    want: { endpoint: 'nats.nats:8222' },
  },
  {
    name: 'an empty endpoint in the TriggerAuthentication',
    metadata: { account: '$G', stream: 'mystream', consumer: 'pull_consumer' },
    authParams: { natsServerMonitoringEndpoint: '' },
    error: ['natsServerMonitoringEndpoint', /missing required parameter "natsServerMonitoringEndpoint"/],
  },
  {
    name: 'a useHttps that is no boolean',
    metadata: { natsServerMonitoringEndpoint: 'nats.nats:8222', account: '$G', stream: 'mystream', consumer: 'pull_consumer', useHttps: 'error' },
    authParams: {},
    error: ['useHttps', /useHttps must be true or false, got 'error'/],
  },
  {
    name: 'all good with lagThreshold',
    metadata: { account: '$G', stream: 'mystream', consumer: 'pull_consumer', lagThreshold: '6' },
    authParams: { natsServerMonitoringEndpoint: 'nats.nats:8222' },
    want: { lagThreshold: 6 },
  },
  {
    name: 'a lagThreshold that is no number',
    metadata: { account: '$G', stream: 'mystream', consumer: 'pull_consumer', lagThreshold: 'Y' },
    authParams: { natsServerMonitoringEndpoint: 'nats.nats:8222' },
    error: ['lagThreshold', /lagThreshold must be a whole number, got 'Y'/],
  },
  {
    name: 'the account from the TriggerAuthentication',
    metadata: { stream: 'mystream', consumer: 'pull_consumer' },
    authParams: { account: '$G', natsServerMonitoringEndpoint: 'nats.nats:8222' },
    want: { account: '$G', accountID: '$G' },
  },
  {
    name: 'no account anywhere',
    metadata: { stream: 'mystream', consumer: 'pull_consumer' },
    authParams: { natsServerMonitoringEndpoint: 'nats.nats:8222' },
    error: ['account', /no account name or id given/],
  },
];

// KEDA's mock server: /jsz on the endpoint answers `data`; a node's /jsz (host <node>.localhost:8222) answers `data`
// on the leader and an empty answer elsewhere; /varz answers a server named "leader" listing three route URLs.
const VARZ = {
  server_name: 'leader',
  cluster: { urls: ['leader.localhost.nats.svc:8222', 'not-leader-1.localhost.nats.svc:8222', 'not-leader-2.localhost.nats.svc:8222'] },
};
function kedaMock(data: unknown, asked: string[] = []): GetJson {
  return async (url) => {
    asked.push(url);
    const u = new URL(url);
    if (!u.host.endsWith('localhost:8222')) throw new ReadError('unreachable', `cannot reach ${u.host} (ENOTFOUND)`);
    if (u.pathname === '/varz') return VARZ;
    if (u.host !== 'localhost:8222' && u.host !== 'leader.localhost:8222') return {};
    return data;
  };
}
const stream = (consumers: Array<Record<string, unknown>>, name = 'mystream') => ({
  account_details: [{ name: '$G', stream_detail: [{ name, consumer_detail: consumers }] }],
});
const mockRows: Array<{ name: string; metadata?: Record<string, string>; data: JszResponse; value?: number; active: boolean; error?: RegExp }> = [
  { name: 'all good, no messages waiting (not active)', data: stream([{ name: 'pull_consumer' }]), value: 0, active: false },
  { name: 'all good, messages waiting (active)', data: stream([{ name: 'pull_consumer', num_pending: 100 }]), value: 100, active: true },
  {
    name: 'the stream exists but the configured consumer is missing',
    data: stream([{ name: 'pull_consumer_bad', num_pending: 100 }]),
    active: false,
    error: /consumer "pull_consumer" not found in stream "mystream"/,
  },
  {
    name: 'a stream of another name',
    data: stream([{ name: 'pull_consumer', num_pending: 100 }], 'mystreamBad'),
    active: false,
    error: /stream "mystream" not found in account "\$G"/,
  },
  {
    name: 'an unresolvable endpoint',
    metadata: { ...good, natsServerMonitoringEndpoint: 'asdf32423fdsafdasdf:8222' },
    data: stream([{ name: 'pull_consumer', num_pending: 100 }]),
    active: false,
    error: /ENOTFOUND/,
  },
  {
    name: 'clustered: the leader is found through /varz and its lag read',
    data: { meta_cluster: { cluster_size: 3 }, ...stream([{ name: 'pull_consumer', num_pending: 100, cluster: { leader: 'leader' } }]) },
    value: 100,
    active: true,
  },
  {
    name: 'clustered: the node answering has no consumer, and no node is its leader',
    data: { meta_cluster: { cluster_size: 3 }, account_details: [{ name: '$G', stream_detail: [{ name: 'mystream' }] }] },
    active: false,
    error: /leader node not found for consumer pull_consumer/,
  },
];

describe("KEDA's tables (pkg/scalers/nats_jetstream_scaler_test.go)", () => {
  for (const [i, r] of metadataRows.entries()) {
    test(`testNATSJetStreamMetadata row ${i}: ${r.name}`, () => {
      if (r.error) return assertConfigError(() => p(r.metadata, r.authParams), r.error[0], r.error[1]);
      const c = p(r.metadata, r.authParams) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(r.want ?? {})) assert.deepEqual(c[k], v, k);
    });
  }
  for (const [index, name] of [
    [0, 's0-nats-jetstream-mystream'],
    [1, 's1-nats-jetstream-mystream'],
  ] as const) {
    test(`natsJetStreamMetricIdentifiers: row 0 at trigger ${index} is ${name}`, () => {
      assert.equal(descriptor.metricSpecs(p(metadataRows[0].metadata), index)[0].metricName, name);
      assert.equal(descriptor.metricSpecs(p(metadataRows[0].metadata), index)[0].target, 10);
    });
  }
  // TestNATSJetStreamIsActive and TestNATSJetStreamGetMetrics (the same rows): value, activity and errors.
  for (const [i, r] of mockRows.entries()) {
    test(`testNATSJetStreamMockResponses row ${i}: ${r.name}`, async () => {
      const c = p(r.metadata ?? good);
      const m = new JetStreamMonitor(c, kedaMock(r.data));
      if (r.error) return assert.rejects(m.lag(AbortSignal.timeout(1000)), (e: unknown) => e instanceof ReadError && r.error!.test(e.message));
      const value = await m.lag(AbortSignal.timeout(1000));
      assert.equal(value, r.value);
      assert.equal(activeByThreshold([{ name: 'm', value }], descriptor.activationThreshold(c)), r.active);
    });
  }
  test('TestGetNATSJetStreamEndpointHTTPS/HTTP: the scheme follows useHttps', () => {
    assert.ok(monitoringURL(true, 'nats.nats:8222', '$G').startsWith('https:'));
    assert.ok(monitoringURL(false, 'nats.nats:8222', '$G').startsWith('http:'));
  });
  const urlCases: Array<[string, boolean, string, string]> = [
    ['HTTP scheme', false, '$G', 'http://nats.nats:8222/jsz?acc=%24G&config=true&consumers=true'],
    ['HTTPS scheme', true, '$G', 'https://nats.nats:8222/jsz?acc=%24G&config=true&consumers=true'],
    [
      'an account id with & is encoded and cannot add parameters',
      false,
      'myaccount&consumers=false',
      'http://nats.nats:8222/jsz?acc=myaccount%26consumers%3Dfalse&config=true&consumers=true',
    ],
  ];
  for (const [name, https, acc, want] of urlCases) {
    test(`TestGetNATSJetStreamMonitoringURL: ${name}`, () => {
      const url = monitoringURL(https, 'nats.nats:8222', acc);
      assert.equal(url, want);
      const q = new URL(url).searchParams;
      assert.deepEqual([q.get('consumers'), q.get('config'), q.get('acc')], ['true', 'true', acc]);
    });
  }
  test('TestNATSJetStreamMonitoringNodeURLEncoding: a node URL keeps the query and takes the monitoring port', () => {
    const u = new URL(nodeURL(p(good), 'leader.nats.svc'));
    assert.equal(u.host, 'leader.nats.svc:8222');
    assert.deepEqual([u.searchParams.get('consumers'), u.searchParams.get('config'), u.searchParams.get('acc')], ['true', 'true', '$G']);
  });
  test('TestNATSJetStreamMonitoringNodeURLByNodeEncoding: a node name prefixes the endpoint host', () => {
    const u = new URL(nodeURLByName(p(good), 'leader'));
    assert.ok(u.host.startsWith('leader.'));
    assert.equal(u.host, 'leader.localhost:8222');
    assert.equal(u.searchParams.get('acc'), '$G');
  });
  // Differs on purpose: KEDA fails to build the node/server URLs from a bad endpoint at read time; Updraft refuses it at parse.
  test('TestNATSJetStreamGetNATSJetstreamNodeURL/ServerURL: a really bad endpoint is refused at parse', () => {
    assertConfigError(
      () => p({ ...good, natsServerMonitoringEndpoint: '234234:::::34234234;;;;really_bad_URL;;/' }),
      'natsServerMonitoringEndpoint',
      /must be host:port/,
    );
  });
  test('TestNATSJetStreamgetNATSJetstreamMonitoringData: an answer that is no JSON is an error', async () => {
    const http = { get: async () => ({ status: 200, body: '{invalidJSON}' }) } as unknown as HttpGetter;
    await assert.rejects(httpGetJson(http, 1000)('http://localhost:8222/jsz', AbortSignal.timeout(1000)), /did not answer JSON/);
  });
  test('TestNATSJetStreamGetMaxMsgLag: pending plus ack-pending; a missing consumer is an error naming both', async () => {
    assert.equal(consumerLag({ name: 'pull_consumer', num_pending: 7, num_ack_pending: 3 }), 10);
    const m = new JetStreamMonitor(p(good), async () => stream([{ name: 'some_other_consumer', num_pending: 100 }]));
    await assert.rejects(m.lag(AbortSignal.timeout(1000)), /consumer "pull_consumer" not found in stream "mystream"/);
  });
  test('TestNewNATSJetStreamScaler: an empty account is refused', () => {
    assertConfigError(
      () => p({ natsServerMonitoringEndpoint: 'localhost:8222', account: '', stream: 's', consumer: 'c' }),
      'account',
      /no account name or id given/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The leader lookup, with answers recorded from a real three-node JetStream cluster (nats-server 2.9,
// 127.0.0.{1,2,3}:18222, stream mystream R3, consumer pull_consumer led by n2), trimmed to the fields read.

const cluster =
  (lead: string, values: Record<string, [number, number]>) =>
  (node: string): JszResponse => ({
    meta_cluster: { cluster_size: 3 },
    account_details: [
      {
        id: '$G',
        name: '$G',
        stream_detail: [
          {
            name: 'mystream',
            consumer_detail: [{ name: 'pull_consumer', num_pending: values[node][0], num_ack_pending: values[node][1], cluster: { leader: lead } }],
          },
        ],
      },
    ],
  });
const NODES: Record<string, string> = { '127.0.0.1': 'n1', '127.0.0.2': 'n2', '127.0.0.3': 'n3' };
const varzOf = (name: string) => ({
  server_name: name,
  connect_urls: ['127.0.0.1:14222', '127.0.0.2:14222', '127.0.0.3:14222'],
  cluster: { urls: ['127.0.0.1:16222', '127.0.0.2:16222', '127.0.0.3:16222'] },
});

function recorded(state: { leader: string; values: Record<string, [number, number]> }, asked: string[]): GetJson {
  return async (url) => {
    asked.push(url);
    const u = new URL(url);
    const node = NODES[u.hostname];
    if (u.pathname === '/varz') return varzOf(node);
    return cluster(state.leader, state.values)(node);
  };
}

describe('the clustered leader lookup (recorded answers)', () => {
  const config = p({ ...good, natsServerMonitoringEndpoint: '127.0.0.1:18222' });
  test("the first read asks /varz, then each advertised node, and reads the leader's values, not the follower's", async () => {
    const asked: string[] = [];
    const m = new JetStreamMonitor(config, recorded({ leader: 'n2', values: { n1: [7, 0], n2: [6, 1], n3: [7, 0] } }, asked));
    assert.equal(await m.lag(AbortSignal.timeout(1000)), 7);
    assert.equal(m.consumerLeader, 'n2');
    assert.equal(m.leaderURL, 'http://127.0.0.2:18222/jsz?acc=%24G&config=true&consumers=true');
    assert.deepEqual(
      asked.map((u) => new URL(u).host + new URL(u).pathname),
      ['127.0.0.1:18222/jsz', '127.0.0.1:18222/varz', '127.0.0.1:18222/varz', '127.0.0.1:18222/jsz', '127.0.0.2:18222/varz', '127.0.0.2:18222/jsz'],
    );
  });
  test('later reads go to the leader only, while it stays the leader', async () => {
    const asked: string[] = [];
    const state = { leader: 'n2', values: { n1: [0, 0], n2: [4, 2], n3: [0, 0] } as Record<string, [number, number]> };
    const m = new JetStreamMonitor(config, recorded(state, asked));
    await m.lag(AbortSignal.timeout(1000));
    asked.length = 0;
    assert.equal(await m.lag(AbortSignal.timeout(1000)), 6);
    assert.deepEqual(asked, ['http://127.0.0.2:18222/jsz?acc=%24G&config=true&consumers=true']);
  });
  test('when the leader moves, the lookup runs again and finds the new one', async () => {
    const asked: string[] = [];
    const state = { leader: 'n2', values: { n1: [1, 0], n2: [2, 0], n3: [3, 0] } as Record<string, [number, number]> };
    const m = new JetStreamMonitor(config, recorded(state, asked));
    assert.equal(await m.lag(AbortSignal.timeout(1000)), 2);
    state.leader = 'n3';
    assert.equal(await m.lag(AbortSignal.timeout(1000)), 3);
    assert.equal(m.consumerLeader, 'n3');
    assert.equal(new URL(m.leaderURL).hostname, '127.0.0.3');
  });
  test('without advertised client URLs, nodes come from the route URLs as <node>.<endpoint host> (headless services)', () => {
    assert.deepEqual(clusterNodes({ cluster: { urls: ['nats-0.nats.nats.svc:6222', 'nats-1.nats.nats.svc:6222'] } }), {
      advertised: false,
      entries: ['nats-0', 'nats-1'],
    });
    assert.deepEqual(clusterNodes(varzOf('n1')), { advertised: true, entries: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] });
    const c = p({ ...good, natsServerMonitoringEndpoint: 'nats.nats:8222' });
    assert.equal(nodeURLByName(c, 'nats-0'), 'http://nats-0.nats.nats:8222/jsz?acc=%24G&config=true&consumers=true');
    assert.equal(varzURL(c), 'http://nats.nats:8222/varz');
    assert.equal(varzURL(c, 'nats-1.nats'), 'http://nats-1.nats:8222/varz');
  });
  test('the account matches by id or by name', () => {
    const byId = p({ ...good, account: '', accountID: 'ABC' });
    const resp = {
      account_details: [{ id: 'ABC', name: 'other', stream_detail: [{ name: 'mystream', consumer_detail: [{ name: 'pull_consumer', num_pending: 1 }] }] }],
    };
    assert.equal(findConsumer(byId, resp).consumer?.num_pending, 1);
    assert.equal(findConsumer(p({ ...good, account: 'nope' }), resp).streamFound, false);
  });
});

describe('nats-jetstream parse', () => {
  test('an endpoint with a scheme or path is refused with what to give', () => {
    assertConfigError(
      () => p({ ...good, natsServerMonitoringEndpoint: 'http://nats:8222' }),
      'natsServerMonitoringEndpoint',
      /must be host:port .* got 'http:\/\/nats:8222\/?'/,
    );
  });
  test('an endpoint from the TriggerAuthentication is not echoed', () => {
    assertConfigError(
      () => p({ account: '$G', stream: 's', consumer: 'c' }, { natsServerMonitoringEndpoint: 'user:pw@nats:8222' }),
      'natsServerMonitoringEndpoint',
      /not shown/,
    );
  });
  test('a cloud metadata address is refused', () => {
    assertConfigError(() => p({ ...good, natsServerMonitoringEndpoint: '169.254.169.254:80' }), 'natsServerMonitoringEndpoint', /cloud metadata/);
  });
  test('lagThreshold must be positive', () => assertConfigError(() => p({ ...good, lagThreshold: '0' }), 'lagThreshold', /positive/));
  test('an HTTP error status is a ReadError; 401/403 are auth', async () => {
    const http = (status: number) => ({ get: async () => ({ status, body: '' }) }) as unknown as HttpGetter;
    await assert.rejects(
      httpGetJson(http(500), 1000)('http://n:8222/jsz', AbortSignal.timeout(1000)),
      (e: unknown) => e instanceof ReadError && e.kind === 'other' && /HTTP 500/.test(e.message),
    );
    await assert.rejects(
      httpGetJson(http(403), 1000)('http://n:8222/jsz', AbortSignal.timeout(1000)),
      (e: unknown) => e instanceof ReadError && e.kind === 'auth',
    );
  });
});
