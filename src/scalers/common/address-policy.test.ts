import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseCloudwatch } from '../aws-cloudwatch.ts';
import { parse as parseSqs } from '../aws-sqs-queue.ts';
import { parse as parsePrometheus } from '../prometheus.ts';
import { ReadError } from '../scaler.ts';
import {
  AddressPolicy,
  AddressRefusedError,
  findAddressRefused,
  guardedRequestHandler,
  httpUrlParam,
  scalerAddressPolicy,
  setScalerAddressPolicy,
  shownValue,
  type Resolver,
} from './address-policy.ts';
import { awsScaler } from './aws-scaler.ts';
import { HttpGetter } from './http-get.ts';

const IMDS =
  /169\.254\.169\.254 is the cloud instance metadata service \(IMDS\); use the service's own address, or, if this target is intended, start the operator with --allow-scaler-address 169\.254\.169\.254/;
const NOT_HTTP = /^prometheus: serverAddress must be an http\(s\) URL such as http:\/\/prometheus\.monitoring:9090, got '/;

// ---- httpUrlParam: which URLs parse ----

const accepted: Array<[string, string, string]> = [
  ['an in-cluster service name is accepted', 'http://prometheus.monitoring:9090', 'prometheus.monitoring'],
  ['an https URL with a path is accepted', 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1', 'aps-workspaces.us-east-1.amazonaws.com'],
  ['loopback 127.0.0.1 (a local Prometheus, moto) is accepted', 'http://127.0.0.1:9090', '127.0.0.1'],
  ['loopback anywhere in 127.0.0.0/8 is accepted', 'http://127.5.6.7:9090', '127.5.6.7'],
  ['IPv6 loopback is accepted', 'http://[::1]:9090/', '[::1]'],
  ['a 10/8 private address is accepted', 'http://10.0.0.5:9090', '10.0.0.5'],
  ['a 192.168/16 private address is accepted', 'http://192.168.1.10/', '192.168.1.10'],
  ['a 172.16/12 private address is accepted', 'http://172.20.0.3:4566', '172.20.0.3'],
  ['an address just below 169.254/16 is accepted', 'http://169.253.255.255/', '169.253.255.255'],
  ['an address just above 169.254/16 is accepted', 'http://169.255.0.1/', '169.255.0.1'],
  ['a unique-local IPv6 address outside fd00:ec2:: is accepted', 'http://[fd00:1::254]/', '[fd00:1::254]'],
  ['a host name is accepted at parse (its addresses are checked at connect time)', 'http://169.254.169.254.nip.io/', '169.254.169.254.nip.io'],
  ['a URL with credentials is accepted', 'http://user:secret@prom:9090/', 'prom'],
];
for (const [name, raw, hostname] of accepted) {
  test(`httpUrlParam: ${name}`, () => assert.equal(httpUrlParam('prometheus', 'serverAddress', raw).hostname, hostname));
}

const refused: Array<[string, string, RegExp]> = [
  ['a file:// URL is refused as not http(s)', 'file:///etc/passwd', /got 'file:\/\/\/etc\/passwd'$/],
  ['a unix:// socket URL is refused as not http(s)', 'unix:///var/run/docker.sock', /got 'unix:\/\/\/var\/run\/docker\.sock'$/],
  ['a gopher: URL is refused as not http(s)', 'gopher://127.0.0.1:6379/_FLUSHALL', /got 'gopher:\/\/127\.0\.0\.1:6379\/_FLUSHALL'$/],
  ['an ftp: URL is refused as not http(s)', 'ftp://files.example/x', /got 'ftp:\/\/files\.example\/x'$/],
  ['a data: URL is refused as not http(s)', 'data:text/plain,hello', /got 'data:text\/plain,hello'$/],
  ['a value without a scheme is refused as not http(s)', 'prometheus.monitoring:9090', /got 'prometheus\.monitoring:9090'$/],
  ['a bare host name is refused as not http(s)', 'prometheus', /got 'prometheus'$/],
  ['an http URL without a host is refused', 'http://', /got 'http:\/\/'$/],
];
for (const [name, raw, tail] of refused) {
  test(`httpUrlParam: ${name}`, () =>
    assert.throws(
      () => httpUrlParam('prometheus', 'serverAddress', raw, { example: 'http://prometheus.monitoring:9090' }),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.match(e.message, NOT_HTTP);
        assert.match(e.message, tail);
        return true;
      },
    ));
}

const metadata: Array<[string, string, RegExp]> = [
  ['the AWS IMDS address is refused', 'http://169.254.169.254/latest/meta-data/', IMDS],
  ['the IMDS address in decimal is refused', 'http://2852039166/', IMDS],
  ['the IMDS address in hex is refused', 'http://0xa9fea9fe/', IMDS],
  ['the IMDS address in octal is refused', 'http://0251.0376.0251.0376/', IMDS],
  ['the IMDS address in mixed dotted hex is refused', 'http://0xA9.254.43518/', IMDS],
  ['the IMDS address with a trailing dot is refused', 'http://169.254.169.254./', IMDS],
  ['the IMDS address over https on another port is refused', 'https://169.254.169.254:8443/x', IMDS],
  ['the IMDS address mapped into IPv6 is refused', 'http://[::ffff:169.254.169.254]/', IMDS],
  ['the IMDS address mapped into IPv6 in hex is refused', 'http://[::ffff:a9fe:a9fe]/', IMDS],
  ['the IMDS address mapped into IPv6 written out in full is refused', 'http://[0:0:0:0:0:ffff:a9fe:a9fe]/', IMDS],
  ['the IMDS IPv6 address is refused', 'http://[fd00:ec2::254]/', /fd00:ec2::254 is the cloud instance metadata service \(IMDS, IPv6\)/],
  ['the ECS task metadata address is refused', 'http://169.254.170.2/v2/credentials', /169\.254\.170\.2 is the ECS task metadata and credentials endpoint/],
  ['the EKS Pod Identity agent is refused', 'http://169.254.170.23/v1/credentials', /169\.254\.170\.23 is the EKS Pod Identity credentials agent/],
  ['the EKS Pod Identity agent over IPv6 is refused', 'http://[fd00:ec2::23]/', /fd00:ec2::23 is the EKS Pod Identity credentials agent \(IPv6\)/],
  [
    'the Alibaba Cloud metadata address is refused',
    'http://100.100.100.200/latest/meta-data',
    /100\.100\.100\.200 is the Alibaba Cloud instance metadata service/,
  ],
  ['any IPv4 link-local address is refused', 'http://169.254.1.1:9090/', /169\.254\.1\.1 is an IPv4 link-local address \(169\.254\.0\.0\/16, RFC 3927\)/],
  ['a link-local address mapped into IPv6 is refused', 'http://[::ffff:169.254.0.1]/', /169\.254\.0\.1 is an IPv4 link-local address/],
  ['an IPv6 link-local address is refused', 'http://[fe80::1]:9090/', /fe80::1 is an IPv6 link-local address \(fe80::\/10, RFC 4291\)/],
  ['the top of fe80::/10 is refused', 'http://[febf:ffff::1]/', /febf:ffff::1 is an IPv6 link-local address/],
  ['the IMDS address behind NAT64 is refused', 'http://[64:ff9b::a9fe:a9fe]/', /64:ff9b::a9fe:a9fe is an IPv4 link-local address behind NAT64/],
];
for (const [name, raw, why] of metadata) {
  test(`httpUrlParam: ${name}`, () =>
    assert.throws(
      () => httpUrlParam('prometheus', 'serverAddress', raw),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.match(
          e.message,
          /^prometheus: serverAddress must not point at a cloud metadata or link-local address \(metadata services there hand out the node's credentials\): /,
        );
        assert.match(e.message, why);
        assert.match(e.message, /, got '.+'$/);
        return true;
      },
    ));
}

// ---- what error messages show of a value ----

const secrets: Array<[string, string, string]> = [
  ['credentials of a refused http URL are not shown', 'http://user:secret@169.254.169.254/', 'http://***@169.254.169.254/'],
  ['credentials of a file URL are not shown', 'file://user:secret@host/etc/passwd', 'file://***@host/etc/passwd'],
  ['credentials of a value without a scheme are not shown', 'user:secret@prom:9090', '***@prom:9090'],
  ['a password holding a slash is not shown', 'http://user:sec/ret@prom:9090', 'http://***@prom:9090'],
  ['a query string (may hold a token) is not shown', 'ftp://prom/x?token=secret', 'ftp://prom/x?…'],
  ['a query string of an http URL is not shown', 'http://169.254.169.254/?token=secret', 'http://169.254.169.254/?…'],
];
for (const [name, raw, shown] of secrets) {
  test(`error messages: ${name}`, () => {
    assert.equal(shownValue(raw), shown);
    assert.throws(
      () => httpUrlParam('prometheus', 'serverAddress', raw),
      (e: Error) => {
        assert.ok(!e.message.includes('secret'), e.message);
        assert.ok(e.message.includes(`got '${shown}'`), e.message);
        return true;
      },
    );
  });
}

test('error messages: a long value is cut to about 80 characters', () => {
  const raw = `file:///${'a'.repeat(300)}`;
  assert.throws(
    () => httpUrlParam('prometheus', 'serverAddress', raw),
    (e: Error) => {
      const got = /got '(.*)'$/.exec(e.message)?.[1] ?? '';
      assert.equal(got.length, 80);
      assert.ok(got.endsWith('…'));
      return true;
    },
  );
});

// ---- the policy and its named exceptions (--allow-scaler-address) ----

const policyRows: Array<[string, string[], string, boolean]> = [
  ['by default the IMDS address is refused', [], '169.254.169.254', false],
  ['by default loopback is allowed', [], '127.0.0.1', true],
  ['by default a private address is allowed', [], '10.1.2.3', true],
  ['by default IPv6 loopback is allowed', [], '::1', true],
  ['an allowed address is let through', ['169.254.170.23'], '169.254.170.23', true],
  ['an allowed address is let through in its IPv4-mapped form too', ['169.254.170.23'], '::ffff:a9fe:aa17', true],
  ['allowing one address keeps the rest of 169.254/16 refused', ['169.254.170.23'], '169.254.169.254', false],
  ['an allowed CIDR lets its addresses through', ['169.254.170.0/24'], '169.254.170.2', true],
  ['an allowed CIDR leaves addresses outside it refused', ['169.254.170.0/24'], '169.254.169.254', false],
  ['an allowed IPv6 address is let through', ['fd00:ec2::23'], 'fd00:ec2::23', true],
  ['a comma list (Helm extraArgs) allows each entry', ['169.254.170.23,fd00:ec2::23'], 'fd00:ec2::23', true],
  ['a repeated flag allows each entry', ['169.254.170.23', 'fd00:ec2::254'], 'fd00:ec2::254', true],
];
for (const [name, allow, address, ok] of policyRows) {
  test(`address policy: ${name}`, () => assert.equal(new AddressPolicy(allow).refusal(address) === undefined, ok));
}

test('address policy: an allowed host name is accepted at parse even when it is a refused literal elsewhere', () => {
  const policy = new AddressPolicy(['Metadata.Internal.']);
  assert.equal(policy.allowsHost('metadata.internal'), true);
  assert.equal(httpUrlParam('prometheus', 'serverAddress', 'http://metadata.internal/', { policy }).hostname, 'metadata.internal');
});

test('address policy: an allowed address is accepted at parse', () => {
  const policy = new AddressPolicy(['169.254.169.254']);
  assert.equal(httpUrlParam('prometheus', 'serverAddress', 'http://2852039166/', { policy }).hostname, '169.254.169.254');
});

const badFlags: Array<[string, string]> = [
  ['a prefix longer than the address is refused', '169.254.0.0/33'],
  ['a prefix that is not a number is refused', '169.254.0.0/x'],
  ['a CIDR of a host name is refused', 'metadata/24'],
  ['a value that is no host name is refused', 'not a host!'],
  ['a URL is refused (give the host)', 'http://169.254.169.254/'],
];
for (const [name, value] of badFlags) {
  test(`--allow-scaler-address: ${name}`, () =>
    assert.throws(
      () => new AddressPolicy([value]),
      /^Error: --allow-scaler-address: '.*' is not an IP address, a CIDR \(169\.254\.170\.0\/24\) or a host name$/,
    ));
}

// ---- connect time: a host name that resolves to a refused address ----

/** A resolver for made-up names; anything else fails as unknown. */
const hosts: Record<string, string[]> = {
  'prom.test': ['127.0.0.1'],
  'imds.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:169.254.169.254'],
  'ecs.test': ['169.254.170.2'],
  // A name with a good and a refused record: refused as a whole; when allowed, the connection goes to 127.0.0.1.
  'mixed.test': ['127.0.0.1', '169.254.169.254'],
};
let lookups: string[] = [];
const resolve: Resolver = async (hostname) => {
  lookups.push(hostname);
  const list = hosts[hostname];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let server: http.Server;
let port = 0;
let served = 0;
before(async () => {
  server = http.createServer((req, res) => {
    served++;
    res.end(JSON.stringify({ host: req.headers.host }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  setScalerAddressPolicy(new AddressPolicy());
  await new Promise((r) => server.close(r));
});

async function get(host: string, options: { policy?: AddressPolicy; protocol?: 'http:' | 'https:' } = {}): Promise<{ status?: number; error?: ReadError }> {
  const protocol = options.protocol ?? 'http:';
  const getter = new HttpGetter(protocol, undefined, { resolve, ...(options.policy ? { policy: options.policy } : {}) });
  try {
    const res = await getter.get(
      new URL(`${protocol}//user:secret@${host}:${port}/api/v1/query?token=secret`),
      {},
      2000,
      new AbortController().signal,
      'prometheus: query',
    );
    return { status: res.status };
  } catch (e) {
    assert.ok(e instanceof ReadError, String(e));
    return { error: e };
  } finally {
    getter.close();
  }
}

const connectRows: Array<[string, string, string[], RegExp | number]> = [
  ['a host name resolving to loopback connects', 'prom.test', [], 200],
  [
    'a host name resolving to the IMDS address is refused before connecting',
    'imds.test',
    [],
    /^prometheus: query: refused to connect to imds\.test \(resolves to 169\.254\.169\.254\): 169\.254\.169\.254 is the cloud instance metadata service \(IMDS\), and scalers may not connect to cloud metadata or link-local addresses .*--allow-scaler-address 169\.254\.169\.254$/,
  ],
  [
    'a host name resolving to an IPv4-mapped IMDS address is refused',
    'mapped.test',
    [],
    /refused to connect to mapped\.test \(resolves to 169\.254\.169\.254\)/,
  ],
  ['a host name resolving to the ECS credentials endpoint is refused', 'ecs.test', [], /169\.254\.170\.2 is the ECS task metadata and credentials endpoint/],
  ['a host name with one refused address among good ones is refused', 'mixed.test', [], /refused to connect to mixed\.test \(resolves to 169\.254\.169\.254\)/],
  ['--allow-scaler-address with the refused address lets that host name through', 'mixed.test', ['169.254.169.254'], 200],
  ['--allow-scaler-address with the host name lets it through', 'mixed.test', ['mixed.test'], 200],
  ['--allow-scaler-address for another address keeps the host name refused', 'mixed.test', ['169.254.170.23'], /refused to connect to mixed\.test/],
  [
    'a literal IMDS address is refused without connecting',
    '169.254.169.254',
    [],
    /^prometheus: query: refused to connect to 169\.254\.169\.254: 169\.254\.169\.254 is the cloud instance metadata service/,
  ],
  ['a literal IPv4-mapped IMDS address is refused without connecting', '[::ffff:a9fe:a9fe]', [], /refused to connect to 169\.254\.169\.254: /],
  ['a literal loopback address connects', '127.0.0.1', [], 200],
];
for (const [name, host, allow, want] of connectRows) {
  test(`connect time: ${name}`, async () => {
    const before = served;
    const got = await get(host, { policy: new AddressPolicy(allow) });
    if (typeof want === 'number') {
      assert.equal(got.status, want, got.error?.message);
      assert.equal(served, before + 1);
    } else {
      assert.equal(got.error?.kind, 'other');
      assert.match(got.error?.message ?? '', want);
      assert.ok(!got.error?.message.includes('secret'), got.error?.message);
      assert.ok(findAddressRefused(got.error), 'the cause is the AddressRefusedError');
      assert.equal(served, before, 'no request reached a server');
    }
  });
}

test('connect time: an https getter refuses a host name resolving to the IMDS address before TLS', async () => {
  const got = await get('imds.test', { protocol: 'https:', policy: new AddressPolicy() });
  assert.equal(got.error?.kind, 'other');
  assert.match(got.error?.message ?? '', /refused to connect to imds\.test \(resolves to 169\.254\.169\.254\)/);
});

test('connect time: the process-wide policy (set from --allow-scaler-address) applies to getters without their own', async () => {
  try {
    assert.match((await get('mixed.test')).error?.message ?? '', /refused to connect to mixed\.test/);
    setScalerAddressPolicy(new AddressPolicy(['169.254.169.254']));
    assert.deepEqual(scalerAddressPolicy().exceptions, ['169.254.169.254']);
    assert.equal((await get('mixed.test')).status, 200);
  } finally {
    setScalerAddressPolicy(new AddressPolicy());
  }
});

test('connect time: a host name the resolver does not know is unreachable, not refused', async () => {
  const got = await get('nowhere.test', { policy: new AddressPolicy() });
  assert.equal(got.error?.kind, 'unreachable');
});

// ---- the AWS SDK request handler ----

test('AWS SDK: a client with the guarded request handler refuses an endpoint resolving to the IMDS address', async () => {
  lookups = [];
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: `http://imds.test:${port}`,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: guardedRequestHandler({ resolve, policy: new AddressPolicy() }),
  });
  try {
    const before = served;
    const err = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: `http://imds.test:${port}/000000000000/q`, AttributeNames: ['All'] })).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(findAddressRefused(err), `an AddressRefusedError, got ${String(err)}`);
    assert.deepEqual(lookups, ['imds.test']);
    assert.equal(served, before);
  } finally {
    sqs.destroy();
  }
});

test('AWS SDK: a client with the guarded request handler reaches an allowed endpoint', async () => {
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: `http://prom.test:${port}`,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: guardedRequestHandler({ resolve, policy: new AddressPolicy() }),
  });
  try {
    const before = served;
    // The test server is no SQS: the answer fails to parse, but the request got there.
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: `http://prom.test:${port}/000000000000/q`, AttributeNames: ['All'] })).catch(() => undefined);
    assert.equal(served, before + 1);
  } finally {
    sqs.destroy();
  }
});

test('AWS scalers: clients get the guarded request handler, and a refusal reads as ReadError other naming the call', async () => {
  let handler: unknown;
  const options = {
    type: 'aws-sqs-queue',
    ctx: {},
    config: { identity: { kind: 'operator' as const }, awsRegion: 'us-east-1', awsEndpoint: 'http://imds.test' },
    metricSpecs: [],
    service: 'address-policy-test',
    operation: 'GetQueueAttributes on http://imds.test/1/q',
    makeClient: (cfg: { requestHandler?: unknown }) => {
      handler = cfg.requestHandler;
      return { destroy: () => undefined };
    },
    read: async () => {
      throw Object.assign(new Error('socket hang up'), {
        cause: new AddressRefusedError('imds.test', '169.254.169.254', 'the cloud instance metadata service (IMDS)'),
      });
    },
  };
  const reader = awsScaler(options);
  try {
    assert.equal(typeof (handler as { httpAgent?: { lookup?: unknown } })?.httpAgent?.lookup, 'function');
    assert.equal(typeof (handler as { httpsAgent?: { lookup?: unknown } })?.httpsAgent?.lookup, 'function');
    await assert.rejects(reader.read(new AbortController().signal), (e: ReadError) => {
      assert.equal(e.kind, 'other');
      assert.match(
        e.message,
        /^aws-sqs-queue: GetQueueAttributes on http:\/\/imds\.test\/1\/q: refused to connect to imds\.test \(resolves to 169\.254\.169\.254\)/,
      );
      return true;
    });
  } finally {
    await reader.close();
  }
});

// ---- the scalers' parse ----

const prom = (serverAddress: string, extra: Record<string, string> = {}) =>
  parsePrometheus({ metadata: { serverAddress, query: 'up', threshold: '1', ...extra }, authParams: {}, resolvedEnv: {} });

const promRows: Array<[string, string, Record<string, string>, RegExp]> = [
  [
    'prometheus refuses a file:// serverAddress',
    'file:///etc/passwd',
    {},
    /^prometheus: serverAddress must be an http\(s\) URL such as http:\/\/prometheus\.monitoring:9090, got 'file:\/\/\/etc\/passwd'$/,
  ],
  [
    'prometheus refuses the IMDS address as serverAddress',
    'http://169.254.169.254/',
    {},
    /^prometheus: serverAddress must not point at a cloud metadata or link-local address .*169\.254\.169\.254 is the cloud instance metadata service \(IMDS\).*, got 'http:\/\/169\.254\.169\.254\/'$/,
  ],
  ['prometheus refuses the IMDS address in decimal', 'http://2852039166/', {}, /serverAddress must not point at a cloud metadata or link-local address/],
  [
    'prometheus does not echo the password of a refused serverAddress',
    'http://user:secret@169.254.169.254/',
    {},
    /got 'http:\/\/\*\*\*@169\.254\.169\.254\/'$/,
  ],
  ['prometheus does not echo the password of a non-http serverAddress', 'ftp://user:secret@host/', {}, /got 'ftp:\/\/\*\*\*@host\/'$/],
  [
    'prometheus does not echo the password of a serverAddress with other errors',
    'http://user:secret@host/',
    { threshold: 'ten' },
    /threshold must be a number/,
  ],
  [
    'prometheus does not echo the password of a serverAddress with a bad auth mode',
    'http://user:secret@host/',
    { authModes: 'basic' },
    /authModes basic needs/,
  ],
];
for (const [name, serverAddress, extra, message] of promRows) {
  test(`scaler parse: ${name}`, () =>
    assert.throws(
      () => prom(serverAddress, extra),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.match(e.message, message);
        assert.ok(!e.message.includes('secret'), e.message);
        return true;
      },
    ));
}

test('scaler parse: prometheus accepts a user:password URL and keeps it', () => {
  assert.equal(prom('http://user:secret@host:9090/').serverAddress.password, 'secret');
});

const op = { identityOwner: 'operator' };
const sqs = (md: Record<string, string>) =>
  parseSqs({ metadata: { queueURL: 'https://sqs.us-east-1.amazonaws.com/1/q', ...op, ...md }, authParams: {}, resolvedEnv: {} });
const cw = (md: Record<string, string>) =>
  parseCloudwatch({ metadata: { expression: 'SELECT 1', targetMetricValue: '1', awsRegion: 'us-east-1', ...op, ...md }, authParams: {}, resolvedEnv: {} });

const awsRows: Array<[string, () => unknown, RegExp]> = [
  [
    'aws-sqs-queue refuses the IMDS address as awsEndpoint',
    () => sqs({ awsEndpoint: 'http://169.254.169.254' }),
    /^aws-sqs-queue: awsEndpoint must not point at a cloud metadata or link-local address .*IMDS/,
  ],
  [
    'aws-sqs-queue refuses a file:// awsEndpoint',
    () => sqs({ awsEndpoint: 'file:///etc/passwd' }),
    /^aws-sqs-queue: awsEndpoint must be an http\(s\) URL such as http:\/\/localstack\.localstack:4566, got 'file:\/\/\/etc\/passwd'$/,
  ],
  [
    'aws-sqs-queue refuses a queueURL on the ECS credentials endpoint (the SDK sends to its host)',
    () => sqs({ queueURL: 'http://169.254.170.2/1/q', awsRegion: 'us-east-1' }),
    /^aws-sqs-queue: queueURL must not point at a cloud metadata or link-local address .*ECS task metadata/,
  ],
  [
    'aws-cloudwatch refuses the IMDS address in hex as awsEndpoint',
    () => cw({ awsEndpoint: 'http://0xa9fea9fe/' }),
    /^aws-cloudwatch: awsEndpoint must not point at a cloud metadata or link-local address .*IMDS/,
  ],
  [
    'aws-cloudwatch refuses an awsEndpoint without a scheme',
    () => cw({ awsEndpoint: 'localhost:4566' }),
    /^aws-cloudwatch: awsEndpoint must be an http\(s\) URL/,
  ],
];
for (const [name, run, message] of awsRows) {
  test(`scaler parse: ${name}`, () => assert.throws(run, { name: 'ConfigError', message }));
}

test('scaler parse: the AWS scalers accept a loopback awsEndpoint (moto, LocalStack)', () => {
  assert.equal(sqs({ awsEndpoint: 'http://127.0.0.1:5000' }).awsEndpoint, 'http://127.0.0.1:5000');
  assert.equal(cw({ awsEndpoint: 'http://localhost:4566' }).awsEndpoint, 'http://localhost:4566');
});
