// The kafka scaler against a real Apache Kafka broker (KRaft, scripts/deps/kafka.sh, test/support/kafka.ts):
// topics with several partitions, real messages, a consumer group's committed offsets set at known positions, and
// the exact value and activation KEDA's rules give; SASL/PLAIN, SCRAM-SHA-256/512, TLS with client certificates
// (plain and encrypted keys), AWS MSK IAM tokens verified by the broker; each error kind; one client per cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AwsCredentialCache } from '../../src/auth/aws-credentials.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { kafkaClientPoolSize, mskIamToken } from '../../src/scalers/kafka.ts';
import { SigV4Signer } from '../../src/auth/sigv4.ts';
import type { Scaler } from '../../src/scalers/scaler.ts';
import { freePort } from '../support/free-port.ts';
import { startKafka, type KafkaBroker } from '../support/kafka.ts';
import { motoVenv } from '../support/moto.ts';
import { contextFor, readErrorOf } from '../support/scaler-context.ts';

const signal = () => AbortSignal.timeout(20_000);

async function withScaler<T>(metadata: Record<string, string>, authParams: Record<string, string>, fn: (s: Scaler) => Promise<T>, extra = {}): Promise<T> {
  const scaler = buildScaler(contextFor('kafka', metadata, { authParams, ...extra }));
  try {
    return await fn(scaler);
  } finally {
    await scaler.close();
  }
}

const readOnce = (metadata: Record<string, string>, authParams: Record<string, string> = {}, extra = {}) =>
  withScaler(metadata, authParams, (s) => s.read(signal()), extra);

const readError = (metadata: Record<string, string>, authParams: Record<string, string> = {}, extra = {}) => readErrorOf(readOnce(metadata, authParams, extra));

describe('kafka scaler against a real Kafka broker', () => {
  let k: KafkaBroker;
  // orders: 4 partitions with 30, 12, 5 and 0 messages; group g1 committed 10, 12, 0 and nothing.
  before(async () => {
    k = await startKafka();
    await k.createTopic('orders', 4);
    await k.produce('orders', { 0: 30, 1: 12, 2: 5 });
    await k.commit('g1', 'orders', { 0: 10, 1: 12, 2: 0 });
    // payments: 2 partitions of 40, committed by g1 at 0 (a second topic of the group).
    await k.createTopic('payments', 2);
    await k.produce('payments', { 0: 40, 1: 40 });
    await k.commit('g1', 'payments', { 0: 0, 1: 40 });
  });
  after(async () => k?.stop());

  const base = () => ({ bootstrapServers: k.plaintext, consumerGroup: 'g1', topic: 'orders' });

  // Per partition of orders: 20, 0, 5 and (no commit) 1 under latest / 0 under earliest (an empty partition).
  const cases: Array<{ name: string; md: Record<string, string>; value: number; active: boolean }> = [
    {
      name: 'lag summed over partitions; an uncommitted partition counts 1 (offsetResetPolicy latest)',
      md: { lagThreshold: '10', allowIdleConsumers: 'true' },
      value: 26,
      active: true,
    },
    {
      name: 'scaleToZeroOnInvalidOffset: the uncommitted partition counts 0',
      md: { lagThreshold: '10', allowIdleConsumers: 'true', scaleToZeroOnInvalidOffset: 'true' },
      value: 25,
      active: true,
    },
    {
      name: 'offsetResetPolicy earliest: the uncommitted (empty) partition counts its 0 messages',
      md: { lagThreshold: '10', allowIdleConsumers: 'true', offsetResetPolicy: 'earliest' },
      value: 25,
      active: true,
    },
    {
      name: 'capped at partitions × lagThreshold without allowIdleConsumers (26/5 = 5 > 4 partitions → 20)',
      md: { lagThreshold: '5' },
      value: 20,
      active: true,
    },
    { name: 'not capped when the lag needs fewer replicas than partitions (26/10 = 2 ≤ 4)', md: { lagThreshold: '10' }, value: 26, active: true },
    {
      name: 'limitToPartitionsWithLag: capped at the 3 partitions with lag → 15',
      md: { lagThreshold: '5', limitToPartitionsWithLag: 'true' },
      value: 15,
      active: true,
    },
    {
      name: 'ensureEvenDistributionOfPartitions: 26 → the next factor of 4 partitions (4) × 10 = 40, then capped at 4 × 10',
      md: { lagThreshold: '10', ensureEvenDistributionOfPartitions: 'true' },
      value: 40,
      active: true,
    },
    { name: 'partitionLimitation 1-2: only partitions 1 and 2 (0 + 5)', md: { lagThreshold: '10', partitionLimitation: '1-2' }, value: 5, active: true },
    { name: 'activation is strict: 26 > 26 is false', md: { lagThreshold: '10', activationLagThreshold: '26' }, value: 26, active: false },
    { name: 'activation: 26 > 25', md: { lagThreshold: '10', activationLagThreshold: '25' }, value: 26, active: true },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await readOnce({ ...base(), ...c.md });
      assert.deepEqual(r.metrics, [{ name: 's0-kafka-orders', value: c.value }]);
      assert.equal(r.active, c.active);
    });
  }

  test('no topic: every topic the group committed to (orders 26 + payments 40), metric named after the group', async () => {
    const r = await readOnce({ bootstrapServers: k.plaintext, consumerGroup: 'g1', allowIdleConsumers: 'true' });
    assert.deepEqual(r.metrics, [{ name: 's0-kafka-g1-topics', value: 66 }]);
    assert.equal(r.active, true);
  });

  test('a group that committed nothing: each partition counts 1 (latest) — idle partitions activate the target, as in KEDA', async () => {
    const r = await readOnce({ bootstrapServers: k.plaintext, consumerGroup: 'fresh-group', topic: 'orders' });
    assert.deepEqual(r.metrics, [{ name: 's0-kafka-orders', value: 4 }]);
    const zero = await readOnce({ bootstrapServers: k.plaintext, consumerGroup: 'fresh-group', topic: 'orders', scaleToZeroOnInvalidOffset: 'true' });
    assert.deepEqual([zero.metrics[0].value, zero.active], [0, false]);
  });

  test('excludePersistentLag: a partition stuck on one offset stops counting from the second read, but keeps the target active', async () => {
    await k.createTopic('stuck', 2);
    await k.produce('stuck', { 0: 50, 1: 8 });
    await k.commit('g-stuck', 'stuck', { 0: 10, 1: 0 });
    await withScaler(
      {
        bootstrapServers: k.plaintext,
        consumerGroup: 'g-stuck',
        topic: 'stuck',
        excludePersistentLag: 'true',
        allowIdleConsumers: 'true',
        activationLagThreshold: '5',
      },
      {},
      async (s) => {
        assert.deepEqual((await s.read(signal())).metrics[0].value, 48, 'first read: 40 + 8');
        await k.commit('g-stuck', 'stuck', { 1: 8 });
        const second = await s.read(signal());
        assert.equal(second.metrics[0].value, 0, 'partition 0 did not move: excluded; partition 1 caught up');
        assert.equal(second.active, true, 'activation counts the persistent 40');
      },
    );
  });

  test('a consumer that catches up: lag goes to 0 and the target is inactive', async () => {
    await k.commit('g-catch', 'orders', { 0: 30, 1: 12, 2: 5, 3: 0 });
    const r = await readOnce({ bootstrapServers: k.plaintext, consumerGroup: 'g-catch', topic: 'orders' });
    assert.deepEqual([r.metrics[0].value, r.active], [0, false]);
  });

  test('SASL/PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 read the same lag', async () => {
    // hygiene: allow-table three auth paths, one expected value
    for (const sasl of ['plaintext', 'scram_sha256', 'scram_sha512']) {
      const r = await readOnce({ ...base(), bootstrapServers: k.sasl, sasl }, { username: k.user.username, password: k.user.password });
      assert.equal(r.metrics[0].value, 26, sasl);
    }
  });

  test('a wrong SCRAM password is an auth error that never shows the password', async () => {
    const e = await readError({ ...base(), bootstrapServers: k.sasl, sasl: 'scram_sha512' }, { username: k.user.username, password: 'wrong-password-xyz' });
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /SASL/);
    assert.ok(!e.message.includes('wrong-password-xyz'));
  });

  test('TLS with the CA and a client certificate', async () => {
    const r = await readOnce({ ...base(), bootstrapServers: k.ssl, tls: 'enable' }, { ca: k.ca.cert, cert: k.client.cert, key: k.client.key });
    assert.equal(r.metrics[0].value, 26);
  });

  test('TLS with an encrypted client key and its keyPassword', async () => {
    const r = await readOnce(
      { ...base(), bootstrapServers: k.ssl, tls: 'enable' },
      { ca: k.ca.cert, cert: k.client.cert, key: k.clientKeyEncrypted, keyPassword: k.clientKeyPassword },
    );
    assert.equal(r.metrics[0].value, 26);
  });

  test('TLS without the CA fails verification (auth); unsafeSsl skips it', async () => {
    const e = await readError({ ...base(), bootstrapServers: k.ssl, tls: 'enable' }, { cert: k.client.cert, key: k.client.key });
    assert.equal(e.kind, 'auth');
    assert.match(e.message, /TLS handshake failed/);
    const r = await readOnce({ ...base(), bootstrapServers: k.ssl, tls: 'enable', unsafeSsl: 'true' }, { cert: k.client.cert, key: k.client.key });
    assert.equal(r.metrics[0].value, 26);
  });

  test('TLS without a client certificate: the broker requires one', async () => {
    const e = await readError({ ...base(), bootstrapServers: k.ssl, tls: 'enable' }, { ca: k.ca.cert });
    assert.ok(e.kind === 'auth' || e.kind === 'unreachable', `${e.kind}: ${e.message}`);
  });

  test('AWS MSK IAM (sasl oauthbearer, saslTokenProvider aws_msk_iam): the broker verifies the SigV4 token and the read succeeds', async () => {
    const r = await readOnce(
      { ...base(), bootstrapServers: k.mskIam, tls: 'enable', sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: k.msk.region },
      { ca: k.ca.cert, awsAccessKeyID: k.msk.accessKeyId, awsSecretAccessKey: k.msk.secretAccessKey },
      { awsCredentials: new AwsCredentialCache() },
    );
    assert.equal(r.metrics[0].value, 26);
    assert.match(k.stderr(), new RegExp(`MskIamValidator: accepted a token for ${k.msk.accessKeyId}`));
  });

  test('AWS MSK IAM with the wrong secret key: the broker refuses the signature (auth)', async () => {
    const e = await readError(
      { ...base(), bootstrapServers: k.mskIam, tls: 'enable', sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: k.msk.region },
      { ca: k.ca.cert, awsAccessKeyID: k.msk.accessKeyId, awsSecretAccessKey: 'not-the-secret' },
      { awsCredentials: new AwsCredentialCache() },
    );
    assert.equal(e.kind, 'auth');
    assert.ok(!e.message.includes('not-the-secret'));
    assert.match(k.stderr(), /MskIamValidator: refused: signature does not verify/);
  });

  test('AWS MSK IAM token: botocore (the AWS Python SDK) presigns the same URL to the same signature', async () => {
    const python = `${motoVenv()}/bin/python`;
    const now = new Date(Date.UTC(2025, 4, 6, 7, 8, 9));
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzE+/=' };
    const t = await mskIamToken('us-east-2', new SigV4Signer('kafka-cluster', 'us-east-2', async () => creds), now);
    const url = new URL(Buffer.from(t.token, 'base64url').toString('utf8'));
    const script = `
import json, sys, datetime
from unittest import mock
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.load(sys.stdin)
req = AWSRequest(method='GET', url='https://kafka.us-east-2.amazonaws.com/', params={'Action': 'kafka-cluster:Connect'})
with mock.patch('botocore.auth.get_current_datetime', return_value=datetime.datetime(2025, 5, 6, 7, 8, 9)):
    SigV4QueryAuth(Credentials(a['id'], a['secret'], a['token']), 'kafka-cluster', 'us-east-2', expires=900).add_auth(req)
from urllib.parse import urlparse, parse_qs
print(json.dumps({k: v[0] for k, v in parse_qs(urlparse(req.url).query).items()}))
`;
    const r = spawnSync(python, ['-c', script], {
      input: JSON.stringify({ id: creds.accessKeyId, secret: creds.secretAccessKey, token: creds.sessionToken }),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const boto = JSON.parse(r.stdout) as Record<string, string>;
    const ours = Object.fromEntries(url.searchParams);
    const signed = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token', 'X-Amz-Signature'];
    // hygiene: allow-table one URL, its parameters
    for (const key of signed) {
      assert.equal(ours[key], boto[key], key);
    }
  });

  test('OAUTHBEARER with the client-credentials token provider: a token from the endpoint (Basic auth, scopes) authenticates to the broker', async () => {
    const requests: Array<{ auth?: string; body: string }> = [];
    const idp = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        requests.push({ auth: req.headers.authorization, body });
        if (req.headers.authorization !== `Basic ${Buffer.from('updraft-client:client-secret').toString('base64')}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
          return;
        }
        // An unsecured JWT, which Kafka's default OAUTHBEARER validator accepts.
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            access_token: `${b64({ alg: 'none' })}.${b64({ sub: 'updraft', iat: now, exp: now + 3600 })}.`,
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
      });
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    const tokenUrl = `http://127.0.0.1:${(idp.address() as { port: number }).port}/oauth2/token`;
    try {
      const r = await readOnce(
        { ...base(), bootstrapServers: k.oauth, sasl: 'oauthbearer' },
        { username: 'updraft-client', password: 'client-secret', oauthTokenEndpointUri: tokenUrl, scopes: 'kafka.read, kafka.describe' },
      );
      assert.equal(r.metrics[0].value, 26);
      assert.equal(requests.length, 1);
      assert.equal(new URLSearchParams(requests[0].body).get('grant_type'), 'client_credentials');
      assert.equal(new URLSearchParams(requests[0].body).get('scope'), 'kafka.read kafka.describe');
      const e = await readError(
        { ...base(), bootstrapServers: k.oauth, sasl: 'oauthbearer' },
        { username: 'updraft-client', password: 'wrong-client-secret', oauthTokenEndpointUri: tokenUrl },
      );
      assert.equal(e.kind, 'auth');
      assert.match(e.message, /refused the client credentials \(HTTP 401\)/);
      assert.ok(!e.message.includes('wrong-client-secret'));
    } finally {
      await new Promise<void>((r) => idp.close(() => r()));
    }
  });

  test('errors: an unknown topic is bad-query', async () => {
    const e = await readError({ ...base(), topic: 'no-such-topic' });
    assert.equal(e.kind, 'bad-query');
    assert.match(e.message, /no-such-topic/);
  });

  test('errors: nothing listening is unreachable', async () => {
    const e = await readError({ ...base(), bootstrapServers: `127.0.0.1:${await freePort()}` });
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /cannot connect to the brokers \(ECONNREFUSED\)/);
  });

  test('errors: a bootstrap server on the cloud metadata address is refused at build (ConfigError)', () => {
    assert.throws(() => buildScaler(contextFor('kafka', { ...base(), bootstrapServers: '169.254.169.254:9092' })), {
      name: 'ConfigError',
      message: /cloud metadata/,
    });
  });

  test('500 triggers on one cluster with one set of credentials hold one admin client; another password, another client', async () => {
    const before = kafkaClientPoolSize();
    const scalers = Array.from({ length: 500 }, (_, i) =>
      buildScaler(
        contextFor(
          'kafka',
          { ...base(), bootstrapServers: k.sasl, sasl: 'scram_sha256', consumerGroup: `g${i % 7}` },
          { authParams: { username: k.user.username, password: k.user.password }, triggerIndex: i },
        ),
      ),
    );
    try {
      assert.equal(kafkaClientPoolSize(), before + 1);
      const values = await Promise.all(scalers.slice(0, 20).map((s) => s.read(signal())));
      assert.equal(values.length, 20);
      const other = buildScaler(
        contextFor('kafka', { ...base(), bootstrapServers: k.sasl, sasl: 'scram_sha256' }, { authParams: { username: k.user.username, password: 'other' } }),
      );
      assert.equal(kafkaClientPoolSize(), before + 2);
      await other.close();
      assert.equal(kafkaClientPoolSize(), before + 1);
    } finally {
      await Promise.all(scalers.map((s) => s.close()));
    }
    assert.equal(kafkaClientPoolSize(), before);
  });
});
