import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMicroTime, leaderElectionDurationsFromEnv } from './leader-election.ts';

test('leader election durations come from KEDA environment variables, with controller-runtime defaults', () => {
  assert.deepEqual(leaderElectionDurationsFromEnv({}), { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  assert.deepEqual(
    leaderElectionDurationsFromEnv({
      KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION: '30s',
      KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE: '20s',
      KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD: '500ms',
    }),
    { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 500 },
  );
  assert.throws(
    () => leaderElectionDurationsFromEnv({ KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD: 'soon' }),
    /KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD=soon is not a duration/,
  );
});

test('Lease times are written as MicroTime (six fractional digits)', () => {
  assert.equal(formatMicroTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
});
