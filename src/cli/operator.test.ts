import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goDurationMs, parseBindAddress, parseTlsVersion } from './operator.ts';

describe('updraft operator flags (the ones the Helm chart passes)', () => {
  test('bind addresses: ":port", "host:port", "[v6]:port", and 0/"" to turn a server off', () => {
    assert.deepEqual(parseBindAddress('--x', ':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseBindAddress('--x', '127.0.0.1:6443'), { host: '127.0.0.1', port: 6443 });
    assert.deepEqual(parseBindAddress('--x', '[::1]:9443'), { host: '::1', port: 9443 });
    assert.deepEqual(parseBindAddress('--x', '8081'), { host: undefined, port: 8081 });
    assert.equal(parseBindAddress('--x', '0'), undefined);
    assert.equal(parseBindAddress('--x', ''), undefined);
    assert.throws(() => parseBindAddress('--metrics-bind-address', 'eight'), /--metrics-bind-address: 'eight' is not a bind address \(use ':8080'/);
    assert.throws(() => parseBindAddress('--x', ':70000'), /not a bind address/);
  });
  test("TLS versions in KEDA's spelling and Node's", () => {
    assert.equal(parseTlsVersion('--x', 'TLS12'), 'TLSv1.2');
    assert.equal(parseTlsVersion('--x', 'TLS13'), 'TLSv1.3');
    assert.equal(parseTlsVersion('--x', 'TLSv1.3'), 'TLSv1.3');
    assert.throws(() => parseTlsVersion('--metrics-api-min-tls-version', 'TLS11'), /--metrics-api-min-tls-version: 'TLS11' is not a TLS version \(use TLS12 or TLS13\)/);
  });
  test('leader-election durations are Go durations from the environment', () => {
    assert.equal(goDurationMs('D', {}), undefined);
    assert.equal(goDurationMs('D', { D: '15s' }), 15_000);
    assert.equal(goDurationMs('D', { D: '1m30s' }), 90_000);
    assert.equal(goDurationMs('D', { D: '500ms' }), 500);
    assert.throws(() => goDurationMs('KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION', { KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '15' }), /KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '15' is not a duration/);
  });
});
