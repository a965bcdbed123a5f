// What the integration tests of the AWS JSON-protocol scalers (aws-dynamodb, aws-dynamodb-streams, aws-kinesis-stream)
// share: moto's test credentials as the operator's identity, moto with request authentication and one IAM user's keys,
// the refusal of a wrong secret, and the keep-alive check against a local stub (moto closes every connection, so it
// cannot show a connection being reused).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { AwsCredentialCache } from '../../src/auth/aws-credentials.ts';
import { buildScaler } from '../../src/scalers/index.ts';
import { ReadError } from '../../src/scalers/scaler.ts';
import { startCaptureServer } from './capture-server.ts';
import { startCountingProxy } from './counting-proxy.ts';
import { freePort } from './free-port.ts';
import { createIamUserKeys, startMoto, type Moto } from './moto.ts';
import { contextFor } from './scaler-context.ts';

/** moto's test credentials (any key is accepted until request authentication is on). */
export const testCreds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A credential cache whose operator identity (identityOwner: operator) is moto's test credentials. */
export const operatorCache = () => new AwsCredentialCache({ operatorCredentials: () => async () => testCreds });

export interface SignedMoto {
  moto: Moto;
  /** The IAM user's access keys, the only ones moto accepts once `seed` has run. */
  keys: { accessKeyId: string; secretAccessKey: string };
  /** A scaler context's auth: the user's key id with `secret` (default the right one) as TriggerAuthentication params. */
  signedBy(secret?: string): { authParams: Record<string, string>; awsCredentials: AwsCredentialCache };
}

/**
 * For the enclosing describe: moto with request authentication and an IAM user `userName`. `seed` creates what the
 * tests read (with moto's test credentials); after it every request must be signed by the user's keys. `keyIdParam`:
 * the scaler's parameter for the key id (aws-dynamodb reads awsAccessKeyId, the others awsAccessKeyID).
 */
export function signedMoto(userName: string, seed: (moto: Moto) => Promise<void>, keyIdParam = 'awsAccessKeyID'): SignedMoto {
  const s: Partial<SignedMoto> = {};
  s.signedBy = (secret) => ({
    authParams: { [keyIdParam]: s.keys!.accessKeyId, awsSecretAccessKey: secret ?? s.keys!.secretAccessKey },
    awsCredentials: new AwsCredentialCache(),
  });
  before(async () => {
    const moto = await startMoto({ auth: true });
    s.moto = moto;
    s.keys = await createIamUserKeys(moto, userName);
    await seed(moto);
    await moto.resetAuth(0);
  });
  after(async () => s.moto?.stop());
  return s as SignedMoto;
}

/** `read` signed with the right key id and a wrong secret fails as an auth ReadError naming the key id's prefix, never the secret. */
export async function assertWrongSecretRefused(read: (secret: string) => Promise<unknown>, accessKeyId: string): Promise<void> {
  const secret = 'definitely-wrong-secret-value';
  await assert.rejects(read(secret), (e: unknown) => {
    assert.ok(e instanceof ReadError, `expected ReadError, got ${String(e)}`);
    assert.equal(e.kind, 'auth');
    assert.match(e.message, new RegExp(`refused for access key ${accessKeyId.slice(0, 4)}…`));
    assert.doesNotMatch(e.message, new RegExp(secret));
    return true;
  });
}

/** `read` with awsEndpoint a closed loopback port fails as an unreachable ReadError naming the endpoint. */
export async function assertClosedPortUnreachable(read: (awsEndpoint: string) => Promise<unknown>): Promise<void> {
  const closed = `http://127.0.0.1:${await freePort()}`;
  await assert.rejects(read(closed), (e: unknown) => e instanceof ReadError && e.kind === 'unreachable' && e.message.includes(`cannot reach ${closed}`));
}

/**
 * 100 triggers of `type` on one endpoint (a local stub answering `answers` by X-Amz-Target, behind a counting proxy):
 * read one after another they read `value` over `connections` keep-alive connections (one per AWS service the scaler
 * calls); read all at once they open no more than the agent's 50 sockets (per further service, one more); closed, they
 * leave no client in the cache.
 */
export async function assertKeepAlive(o: {
  type: string;
  metadata: Record<string, string>;
  answers: Record<string, unknown>;
  value: number;
  connections: number;
}): Promise<void> {
  const stub = await startCaptureServer((req) => ({
    body: JSON.stringify(o.answers[req.headers['x-amz-target'] ?? ''] ?? {}),
    headers: { 'content-type': 'application/x-amz-json-1.0' },
  }));
  const proxy = await startCountingProxy(stub.url);
  const signal = () => AbortSignal.timeout(15_000);
  try {
    const aws = operatorCache();
    const scalers = Array.from({ length: 100 }, (_, i) =>
      buildScaler({ ...contextFor(o.type, { ...o.metadata, awsEndpoint: proxy.url }, { awsCredentials: aws }), triggerIndex: i }),
    );
    for (const s of scalers) assert.equal((await s.read(signal())).metrics[0].value, o.value);
    assert.equal(proxy.accepted(), o.connections);
    await Promise.all(scalers.map((s) => s.read(signal())));
    assert.ok(proxy.accepted() <= 50 + o.connections - 1, `${proxy.accepted()} connections`);
    await Promise.all(scalers.map((s) => s.close()));
    assert.equal(aws.clientCount, 0);
  } finally {
    await proxy.stop();
    await stub.stop();
  }
}
