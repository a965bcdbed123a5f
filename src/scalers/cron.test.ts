import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildScaler } from './index.ts';
import { cronActive, cronReading, cronTimeFormat, descriptor, nextFire, parse, parseSchedule, type CronConfig } from './cron.ts';

const p = (metadata: Record<string, string>): CronConfig => parse({ metadata, authParams: {}, resolvedEnv: {} });
const at = (iso: string) => Date.parse(iso);

// ---------------------------------------------------------------------------------------------------------------
// KEDA's metadata table (pkg/scalers/cron_scaler_test.go `testCronMetadata`, TestCronParseMetadata), in order.

const validCronMetadata = { timezone: 'Etc/UTC', start: '0 0 * * Thu', end: '59 23 * * Thu', desiredReplicas: '10' };
const validCronMetadata2 = { timezone: 'Etc/UTC', start: '0 */2 * * *', end: '0 1-23/2 * * *', desiredReplicas: '10' };
const validCronMetadata3 = { timezone: 'Etc/UTC', start: '0,30 * * * *', end: '15,45 * * * *', desiredReplicas: '10' };

const kedaRows: Array<{ name: string; metadata: Record<string, string>; error?: { field: string; message: RegExp } }> = [
  { name: 'empty metadata is refused (timezone missing first)', metadata: {}, error: { field: 'timezone', message: /missing required parameter "timezone"/ } },
  { name: 'Thursday all day parses', metadata: validCronMetadata },
  { name: 'even hours (*/2 to 1-23/2) parse', metadata: validCronMetadata2 },
  { name: 'comma lists parse', metadata: validCronMetadata3 },
  {
    name: 'desiredReplicas missing is refused',
    metadata: { timezone: 'Asia/Kolkata', start: '30 * * * *', end: '45 * * * *' },
    error: { field: 'desiredReplicas', message: /missing required parameter "desiredReplicas"/ },
  },
  {
    name: 'timezone missing is refused',
    metadata: { start: '30 * * * *', end: '45 * * * *', desiredReplicas: '10' },
    error: { field: 'timezone', message: /missing required parameter "timezone"/ },
  },
  { name: 'a range in start parses', metadata: { timezone: 'Asia/Kolkata', start: '30-33 * * * *', end: '45 * * * *', desiredReplicas: '10' } },
  { name: 'a range in end parses', metadata: { timezone: 'Asia/Kolkata', start: '30 * * * *', end: '45-50 * * * *', desiredReplicas: '10' } },
  {
    name: 'a negative minute in start is refused',
    metadata: { timezone: 'Asia/Kolkata', start: '-30 * * * *', end: '45 * * * *', desiredReplicas: '10' },
    error: { field: 'start', message: /error parsing start schedule: failed to parse int from / },
  },
  {
    name: 'a negative minute in end is refused',
    metadata: { timezone: 'Asia/Kolkata', start: '30 * * * *', end: '-50 * * * *', desiredReplicas: '10' },
    error: { field: 'end', message: /error parsing end schedule: failed to parse int from / },
  },
  {
    name: 'a negative day of month in end is refused',
    metadata: { timezone: 'Asia/Kolkata', start: '30 * * * *', end: '50 * * -3 *', desiredReplicas: '10' },
    error: { field: 'end', message: /error parsing end schedule/ },
  },
  {
    name: 'start equal to end is refused',
    metadata: { timezone: 'Asia/Kolkata', start: '30 * * * *', end: '30 * * * *', desiredReplicas: '10' },
    error: { field: 'end', message: /start and end can not have exactly same time input/ },
  },
];

describe('KEDA cron_scaler_test.go testCronMetadata', () => {
  for (const row of kedaRows) {
    test(row.name, () => {
      if (row.error) assert.throws(() => p(row.metadata), { name: 'ConfigError', field: row.error.field, message: row.error.message });
      else assert.doesNotThrow(() => p(row.metadata));
    });
  }
});

// cronMetricIdentifiers (TestCronGetMetricSpecForScaling)
const identifiers: Array<[Record<string, string>, number, string]> = [
  [validCronMetadata, 0, 's0-cron-Etc-UTC-00xxThu-5923xxThu'],
  [validCronMetadata2, 1, 's1-cron-Etc-UTC-0xSl2xxx-01-23Sl2xxx'],
  [validCronMetadata3, 2, 's2-cron-Etc-UTC-0Cm30xxxx-15Cm45xxxx'],
];
describe('KEDA cron_scaler_test.go cronMetricIdentifiers', () => {
  for (const [metadata, index, name] of identifiers) {
    test(`${name}: target 1, AverageValue`, () => {
      assert.deepEqual(descriptor.metricSpecs(p(metadata), index), [{ metricName: name, kind: 'External', targetType: 'AverageValue', target: 1 }]);
    });
  }
});

// TestIsActive / TestGetMetrics / TestIsActiveRange / TestGetMetricsRange use the wall clock; here the clock is
// fixed (2026-01-01 is a Thursday), one subtest per case.
const clockRows: Array<{ name: string; metadata: Record<string, string>; now: string; active: boolean }> = [
  { name: 'Thursday all day: active on a Thursday, value 10', metadata: validCronMetadata, now: '2026-01-01T12:00:00Z', active: true },
  { name: 'Thursday all day: inactive on a Friday, value 0', metadata: validCronMetadata, now: '2026-01-02T12:00:00Z', active: false },
  { name: 'Thursday all day: the last minute (23:59) is already past the end', metadata: validCronMetadata, now: '2026-01-01T23:59:30Z', active: false },
  { name: 'even hours: active at 04:30', metadata: validCronMetadata2, now: '2026-01-01T04:30:00Z', active: true },
  { name: 'even hours: inactive at 05:30', metadata: validCronMetadata2, now: '2026-01-01T05:30:00Z', active: false },
];
describe('KEDA TestIsActive / TestGetMetrics (fixed clock)', () => {
  for (const row of clockRows) {
    test(row.name, () => {
      const r = cronReading(p(row.metadata), at(row.now), [{ metricName: 'ReplicaCount', kind: 'External', targetType: 'AverageValue', target: 1 }]);
      assert.deepEqual(r, { metrics: [{ name: 'ReplicaCount', value: row.active ? 10 : 0 }], active: row.active });
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Window edges and DST. KEDA: active when the next end (strictly after now, to the second) comes no later than the
// next start: [start, end), in the zone's wall time. 2026 transitions: Europe/Berlin 03-29 02:00→03:00 and
// 10-25 03:00→02:00; America/New_York 03-08 02:00→03:00 and 11-01 02:00→01:00.

const windowRows: Array<{ name: string; tz: string; start: string; end: string; now: string; active: boolean }> = [
  { name: 'now == start is inside (start inclusive)', tz: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', now: '2026-01-05T08:00:00Z', active: true },
  { name: 'one second before start is outside', tz: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', now: '2026-01-05T07:59:59Z', active: false },
  {
    name: 'half a second before start is outside (robfig starts from the next whole second)',
    tz: 'Etc/UTC',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-01-05T07:59:59.500Z',
    active: false,
  },
  { name: 'now == end is outside (end exclusive)', tz: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', now: '2026-01-05T18:00:00Z', active: false },
  { name: 'one second before end is inside', tz: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', now: '2026-01-05T17:59:59Z', active: true },
  {
    name: 'a window crossing midnight is active before midnight',
    tz: 'Etc/UTC',
    start: '0 22 * * *',
    end: '0 6 * * *',
    now: '2026-01-05T23:00:00Z',
    active: true,
  },
  {
    name: 'a window crossing midnight is active after midnight',
    tz: 'Etc/UTC',
    start: '0 22 * * *',
    end: '0 6 * * *',
    now: '2026-01-06T03:00:00Z',
    active: true,
  },
  { name: 'a window crossing midnight ends at its end', tz: 'Etc/UTC', start: '0 22 * * *', end: '0 6 * * *', now: '2026-01-06T06:00:00Z', active: false },
  {
    name: 'a window crossing midnight is outside in the afternoon',
    tz: 'Etc/UTC',
    start: '0 22 * * *',
    end: '0 6 * * *',
    now: '2026-01-06T15:00:00Z',
    active: false,
  },
  { name: 'working days: Saturday is outside', tz: 'Etc/UTC', start: '0 8 * * 1-5', end: '0 18 * * 1-5', now: '2026-01-10T12:00:00Z', active: false },
  {
    name: 'a time zone offset: 08:00 in Kolkata is 02:30 UTC',
    tz: 'Asia/Kolkata',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-01-05T02:30:00Z',
    active: true,
  },
  {
    name: 'Berlin, spring forward: 08:00 CEST is 06:00 UTC, inside',
    tz: 'Europe/Berlin',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-03-29T06:00:00Z',
    active: true,
  },
  {
    name: 'Berlin, spring forward: 07:59:59 CEST is outside',
    tz: 'Europe/Berlin',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-03-29T05:59:59Z',
    active: false,
  },
  {
    name: 'Berlin, fall back: 08:00 CET is 07:00 UTC, inside',
    tz: 'Europe/Berlin',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-10-25T07:00:00Z',
    active: true,
  },
  {
    name: 'Berlin, fall back: 07:59:59 CET is outside',
    tz: 'Europe/Berlin',
    start: '0 8 * * *',
    end: '0 18 * * *',
    now: '2026-10-25T06:59:59Z',
    active: false,
  },
  // Differs from KEDA on purpose: robfig skips a start inside the skipped hour (02:30 does not exist on 03-29), so
  // KEDA's window does not open that day; croner starts it at the first instant after the gap (03:00 CEST).
  {
    name: 'Berlin, spring forward: a start in the skipped hour opens at 03:00 CEST (KEDA skips the day)',
    tz: 'Europe/Berlin',
    start: '30 2 * * *',
    end: '0 4 * * *',
    now: '2026-03-29T01:30:00Z',
    active: true,
  },
  {
    name: 'Berlin, fall back: 02:15 CEST (first pass) is inside 02:00-02:30',
    tz: 'Europe/Berlin',
    start: '0 2 * * *',
    end: '30 2 * * *',
    now: '2026-10-25T00:15:00Z',
    active: true,
  },
  // Differs from KEDA on purpose: robfig fires 02:00 and 02:30 in both passes of the repeated hour; croner once,
  // in the first (CEST) pass, so the window does not reopen at 02:00 CET.
  {
    name: 'Berlin, fall back: 02:15 CET (second pass) is outside (KEDA reopens the window)',
    tz: 'Europe/Berlin',
    start: '0 2 * * *',
    end: '30 2 * * *',
    now: '2026-10-25T01:15:00Z',
    active: false,
  },
  {
    name: 'New York, spring forward: 09:00 EDT is 13:00 UTC, inside',
    tz: 'America/New_York',
    start: '0 9 * * *',
    end: '0 17 * * *',
    now: '2026-03-08T13:00:00Z',
    active: true,
  },
  {
    name: 'New York, spring forward: 08:59:59 EDT is outside',
    tz: 'America/New_York',
    start: '0 9 * * *',
    end: '0 17 * * *',
    now: '2026-03-08T12:59:59Z',
    active: false,
  },
  {
    name: 'New York, fall back: 01:30 EDT (first pass) is inside 01:00-03:00',
    tz: 'America/New_York',
    start: '0 1 * * *',
    end: '0 3 * * *',
    now: '2026-11-01T05:30:00Z',
    active: true,
  },
  {
    name: 'New York, fall back: 01:30 EST (second pass) is still inside',
    tz: 'America/New_York',
    start: '0 1 * * *',
    end: '0 3 * * *',
    now: '2026-11-01T06:30:00Z',
    active: true,
  },
  { name: 'New York, fall back: 02:30 EST is inside', tz: 'America/New_York', start: '0 1 * * *', end: '0 3 * * *', now: '2026-11-01T07:30:00Z', active: true },
  {
    name: 'New York, fall back: 03:00 EST ends it (three real hours)',
    tz: 'America/New_York',
    start: '0 1 * * *',
    end: '0 3 * * *',
    now: '2026-11-01T08:00:00Z',
    active: false,
  },
  {
    name: 'a CRON_TZ= prefix overrides timezone for that schedule (robfig)',
    tz: 'Etc/UTC',
    start: 'CRON_TZ=Asia/Tokyo 0 9 * * *',
    end: 'CRON_TZ=Asia/Tokyo 0 17 * * *',
    now: '2026-01-05T00:30:00Z',
    active: true,
  },
];
describe('cron window edges and DST', () => {
  for (const row of windowRows) {
    test(row.name, () => {
      assert.equal(cronActive(p({ timezone: row.tz, start: row.start, end: row.end, desiredReplicas: '4' }), at(row.now)), row.active);
    });
  }
});

// robfig's grammar, ported: each spec normalizes to the value lists croner is given.
const grammarRows: Array<[string, string]> = [
  ['0 0 * * Thu', '0 0 * * 4'],
  ['0 */2 * * *', '0 0,2,4,6,8,10,12,14,16,18,20,22 * * *'],
  ['0 1-23/2 * * *', '0 1,3,5,7,9,11,13,15,17,19,21,23 * * *'],
  ['*/1 ? * JAN-mar sun', '* * * 1,2,3 0'],
  ['5/20 * * * *', '5,25,45 * * * *'],
  ['0 9 1,15 * MON', '0 9 1,15 * 1'],
  ['0  9\t* * *', '0 9 * * *'],
];
describe('robfig five-field grammar', () => {
  for (const [spec, normalized] of grammarRows) {
    test(`'${spec}' reads as '${normalized}'`, () => assert.equal(parseSchedule('start', spec, 'Etc/UTC').normalized, normalized));
  }
});

const badSpecs: Array<[string, RegExp]> = [
  ['@daily', /parser does not accept descriptors/],
  ['0 0 * * * *', /expected exactly 5 fields, found 6/],
  ['0 0 * *', /expected exactly 5 fields, found 4/],
  ['60 * * * *', /end of range \(60\) above maximum \(59\)/],
  ['0 0 * * 7', /end of range \(7\) above maximum \(6\)/],
  ['0 0 0 * *', /beginning of range \(0\) below minimum \(1\)/],
  ['0 10-5 * * *', /beginning of range \(10\) beyond end of range \(5\)/],
  ['*/0 * * * *', /step of range should be a positive number/],
  ['0 1-2-3 * * *', /too many hyphens/],
  ['0 */2/3 * * *', /too many slashes/],
  ['0 0 L * *', /failed to parse int from L/],
  ['CRON_TZ=Mars/Olympus 0 0 * * *', /provided bad location Mars\/Olympus/],
  ['', /missing required parameter "start"/],
];
describe('cron spec errors (robfig wording)', () => {
  for (const [spec, message] of badSpecs) {
    test(`'${spec}' is refused`, () => {
      assert.throws(() => p({ timezone: 'Etc/UTC', start: spec, end: '0 18 * * *', desiredReplicas: '1' }), { name: 'ConfigError', field: 'start', message });
    });
  }
});

test('timezone must be an IANA zone (KEDA only finds out at each read)', () => {
  assert.throws(() => p({ ...validCronMetadata, timezone: 'Mars/Olympus' }), { field: 'timezone', message: /timezone must be an IANA time zone name/ });
});

test('desiredReplicas 0 is KEDA\'s "no desiredReplicas specified"; a negative count is refused (Updraft)', () => {
  assert.throws(() => p({ ...validCronMetadata, desiredReplicas: '0' }), { field: 'desiredReplicas', message: /no desiredReplicas specified/ });
  assert.throws(() => p({ ...validCronMetadata, desiredReplicas: '-2' }), { field: 'desiredReplicas', message: /greater than 0, got '-2'/ });
});

test('metric name format: spaces dropped, * / ? , spelled x Sl Qm Cm', () => {
  assert.equal(cronTimeFormat('*/5 ? * 1,2 *'), 'xSl5Qmx1Cm2x');
});

test('a schedule that never fires is the zero time, before any other (robfig): Feb 30 as end keeps the window open', () => {
  const c = p({ timezone: 'Etc/UTC', start: '0 8 * * *', end: '0 0 30 2 *', desiredReplicas: '2' });
  assert.equal(nextFire(c.end, at('2026-01-01T00:00:00Z')), -Infinity);
  assert.equal(cronActive(c, at('2026-01-01T00:00:00Z')), true);
});

test('the reader computes from ctx.now, sets active itself, and the descriptor exposes the same reading to simulate', async () => {
  let now = at('2026-01-05T09:00:00Z');
  const s = buildScaler({
    trigger: { type: 'cron', metadata: { timezone: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '6' }, useCachedMetrics: false },
    triggerIndex: 0,
    namespace: 'ns',
    objectName: 'o',
    objectKind: 'ScaledObject',
    authParams: {},
    resolvedEnv: {},
    httpTimeoutMs: 1000,
    now: () => now,
  });
  const name = 's0-cron-Etc-UTC-08xxx-018xxx';
  assert.deepEqual(await s.read(AbortSignal.timeout(1000)), { metrics: [{ name, value: 6 }], active: true });
  now = at('2026-01-05T19:00:00Z');
  assert.deepEqual(await s.read(AbortSignal.timeout(1000)), { metrics: [{ name, value: 0 }], active: false });
  await s.close();
  const c = p({ timezone: 'Etc/UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '6' });
  assert.deepEqual(descriptor.clockReading!(c, at('2026-01-05T09:00:00Z'), descriptor.metricSpecs(c, 0)), { metrics: [{ name, value: 6 }], active: true });
});
