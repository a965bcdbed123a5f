import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientPool, poolKey } from './client-pool.ts';

describe('client pool', () => {
  it('triggers with the same key share one client, closed when the last lease is released', async () => {
    const closed: number[] = [];
    let made = 0;
    const pool = new ClientPool<number>((c) => void closed.push(c));
    const a = pool.acquire('k', () => ++made);
    const b = pool.acquire('k', () => ++made);
    assert.equal(a.client, b.client);
    assert.equal(pool.size, 1);
    await a.release();
    await a.release(); // idempotent
    assert.deepEqual(closed, []);
    await b.release();
    assert.deepEqual(closed, [1]);
    assert.equal(pool.size, 0);
    assert.equal(pool.acquire('k', () => ++made).client, 2, 'a new client after the last release');
  });

  it('different keys get different clients', () => {
    const pool = new ClientPool<object>(() => undefined);
    assert.notEqual(pool.acquire('a', () => ({})).client, pool.acquire('b', () => ({})).client);
    assert.equal(pool.size, 2);
  });

  it('a pool key never holds a secret, and different secrets give different keys', () => {
    const k1 = poolKey('redis://h:6379', { password: 'S3CR3T' }, { db: 0 });
    const k2 = poolKey('redis://h:6379', { password: 'other' }, { db: 0 });
    assert.ok(!k1.includes('S3CR3T'));
    assert.notEqual(k1, k2);
    assert.equal(k1, poolKey('redis://h:6379', { password: 'S3CR3T' }, { db: 0 }));
  });
});
