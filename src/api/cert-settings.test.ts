import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoDuration } from './values.ts';
import { parseRenewBefore, serviceDnsNames } from './cert-settings.ts';

describe('operator-managed certificate settings', () => {
  const rows: Array<[string, ReturnType<typeof parseRenewBefore>]> = [
    ['2160h', { ms: 2160 * 3_600_000 }],
    ['20s', { ms: 20_000 }],
    ['50%', { fraction: 0.5 }],
    ['12.5%', { fraction: 0.125 }],
    ['0%', undefined],
    ['100%', undefined],
    ['0', undefined],
    ['-1h', undefined],
    ['90d', undefined],
    ['', undefined],
  ];
  for (const [raw, want] of rows) test(`--cert-renew-before '${raw}'`, () => assert.deepEqual(parseRenewBefore(raw, parseGoDuration), want));
  test("KEDA's four DNS names per Service (certificate_manager.go getDNSNames), without duplicates", () => {
    assert.deepEqual(serviceDnsNames(['a', 'b', 'a'], 'keda', 'cluster.local'), [
      'a',
      'a.keda',
      'a.keda.svc',
      'a.keda.svc.cluster.local',
      'b',
      'b.keda',
      'b.keda.svc',
      'b.keda.svc.cluster.local',
    ]);
  });
});
