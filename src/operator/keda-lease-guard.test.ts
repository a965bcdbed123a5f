import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideKedaLease, type LeaseObject } from './keda-lease-guard.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const lease = (spec: LeaseObject['spec']): LeaseObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'operator.keda.sh', namespace: 'keda' },
  spec,
});
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

const rows: Array<{ name: string; lease: LeaseObject | undefined; takeOver: boolean; act: boolean; verdict: string; says: RegExp }> = [
  { name: 'no Lease: act', lease: undefined, takeOver: false, act: true, verdict: 'no-lease', says: /no KEDA operator/ },
  {
    name: 'Lease without a holder (released): act',
    lease: lease({ holderIdentity: '', leaseDurationSeconds: 15, renewTime: ago(1) }),
    takeOver: false,
    act: true,
    verdict: 'released',
    says: /released/,
  },
  {
    name: 'held, renewed 2 s ago, 15 s lease: wait',
    lease: lease({ holderIdentity: 'keda-operator-7c9f_1a2b', leaseDurationSeconds: 15, renewTime: ago(2) }),
    takeOver: false,
    act: false,
    verdict: 'held',
    says: /keda-operator-7c9f_1a2b.*--take-over-from-keda/,
  },
  {
    name: 'held and recent, --take-over-from-keda: act with a warning',
    lease: lease({ holderIdentity: 'keda-operator', leaseDurationSeconds: 15, renewTime: ago(2) }),
    takeOver: true,
    act: true,
    verdict: 'taken-over',
    says: /acting anyway/,
  },
  {
    name: 'held, renewed 16 s ago, 15 s lease (expired): act',
    lease: lease({ holderIdentity: 'keda-operator', leaseDurationSeconds: 15, renewTime: ago(16) }),
    takeOver: false,
    act: true,
    verdict: 'expired',
    says: /expired \(last renewed 16s ago/,
  },
  {
    name: 'held, renewed 50 s ago, 60 s lease: wait',
    lease: lease({ holderIdentity: 'keda-operator', leaseDurationSeconds: 60, renewTime: ago(50) }),
    takeOver: false,
    act: false,
    verdict: 'held',
    says: /renewed it 50s ago/,
  },
  {
    name: 'no leaseDurationSeconds: 15 s default, renewed 10 s ago: wait',
    lease: lease({ holderIdentity: 'keda-operator', renewTime: ago(10) }),
    takeOver: false,
    act: false,
    verdict: 'held',
    says: /keda-operator/,
  },
  {
    name: 'no renewTime, acquireTime recent: wait',
    lease: lease({ holderIdentity: 'keda-operator', leaseDurationSeconds: 15, acquireTime: ago(3) }),
    takeOver: false,
    act: false,
    verdict: 'held',
    says: /keda-operator/,
  },
  {
    name: 'neither renewTime nor acquireTime: expired, act',
    lease: lease({ holderIdentity: 'keda-operator', leaseDurationSeconds: 15 }),
    takeOver: false,
    act: true,
    verdict: 'expired',
    says: /never renewed/,
  },
];

describe('decideKedaLease', () => {
  for (const r of rows) {
    test(r.name, () => {
      const d = decideKedaLease(r.lease, NOW, r.takeOver);
      assert.equal(d.act, r.act);
      assert.equal(d.verdict, r.verdict);
      assert.match(d.message, r.says);
    });
  }
});
