import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Scheduler } from './scheduler.ts';
import { TimerHeap } from './timer-heap.ts';
import { ReadingsCache } from './readings-cache.ts';

// Let queued promise callbacks (a run's await chain) settle under mocked timers.
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

// A sleep that ends early when the scheduler aborts the run (as real scaler reads do).
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

test('timer heap pops keys in due order and a reschedule replaces the old entry', () => {
  const h = new TimerHeap();
  h.set('a', 30);
  h.set('b', 10);
  h.set('c', 20);
  h.set('a', 5);
  assert.equal(h.size, 3);
  assert.deepEqual(h.popDue(25), ['a', 'b', 'c']);
  assert.equal(h.peek(), undefined);
  h.set('x', 7);
  h.delete('x');
  assert.deepEqual(h.popDue(100), []);
});

test('property: the timer heap keeps insertion order for equal due times across many keys', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 1e9 }), (keys, due) => {
      const h = new TimerHeap();
      for (const k of keys) h.set(k, due);
      assert.deepEqual(h.popDue(due), keys);
    }),
  );
});

test('property: the timer heap pops what a sorted list of live entries would, one entry per key', () => {
  // Model: the last set() of each live key, ordered by due time then by when it was set.
  const op = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant<'set'>('set'), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), due: fc.integer({ min: 0, max: 50 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant<'delete'>('delete'), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant<'pop'>('pop'), now: fc.integer({ min: 0, max: 50 }) }) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const h = new TimerHeap();
      const model = new Map<string, { due: number; seq: number }>();
      let seq = 0;
      for (const o of ops) {
        if (o.kind === 'set') {
          h.set(o.key, o.due);
          model.set(o.key, { due: o.due, seq: seq++ });
        } else if (o.kind === 'delete') {
          h.delete(o.key);
          model.delete(o.key);
        } else {
          const want = [...model]
            .filter(([, e]) => e.due <= o.now)
            .sort(([, x], [, y]) => x.due - y.due || x.seq - y.seq)
            .map(([k]) => k);
          for (const k of want) model.delete(k);
          assert.deepEqual(h.popDue(o.now), want, `popDue(${o.now})`);
        }
        assert.equal(h.size, model.size);
        const earliest = Math.min(...[...model.values()].map((e) => e.due));
        assert.equal(h.peek(), model.size ? earliest : undefined);
      }
    }),
  );
});

test('a task runs at once, then every interval', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const starts: number[] = [];
  const s = new Scheduler();
  s.register('poll', { intervalMs: 30_000, run: async () => void starts.push(Date.now()) });
  t.mock.timers.tick(0);
  await settle();
  for (let i = 0; i < 3; i++) {
    t.mock.timers.tick(30_000);
    await settle();
  }
  assert.deepEqual(starts, [0, 30_000, 60_000, 90_000]);
  await s.stop();
});

test('a slow run delays the next one instead of overlapping it (period = max(interval, duration))', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const s = new Scheduler();
  s.register('slow', {
    intervalMs: 10_000,
    run: async (signal) => {
      starts.push(Date.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // hygiene: allow-sleep the 25 s scaler read being scheduled, under mocked timers (no wall-clock wait)
      await new Promise((r) => {
        const timer = setTimeout(r, 25_000);
        signal.addEventListener('abort', () => (clearTimeout(timer), r(undefined)));
      });
      inFlight--;
    },
  });
  t.mock.timers.tick(0);
  await settle();
  for (let i = 0; i < 40; i++) {
    t.mock.timers.tick(1_000);
    await settle();
  }
  assert.equal(maxInFlight, 1);
  // The second run starts when the first ends (25 s), not at the 10 s interval (mocked timers add ≤ 1 tick).
  assert.equal(starts.length, 2);
  assert.ok(starts[1] >= 25_000 && starts[1] <= 26_000, `second start at ${starts[1]}`);
  await s.stop();
});

test('trigger() runs a task immediately, and once more after a run in flight', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const starts: number[] = [];
  const s = new Scheduler();
  s.register('push', {
    intervalMs: 60_000,
    run: async (signal) => {
      starts.push(Date.now());
      await sleep(1_000, signal); // hygiene: allow-sleep a 1 s run under mocked timers, the work being scheduled
    },
  });
  t.mock.timers.tick(0);
  await settle();
  s.trigger('push'); // in flight: coalesced into one rerun at the end of the run
  s.trigger('push');
  t.mock.timers.tick(1_000);
  await settle();
  t.mock.timers.tick(0);
  await settle();
  t.mock.timers.tick(5_000);
  await settle();
  s.trigger('push');
  t.mock.timers.tick(0);
  await settle();
  assert.deepEqual(starts, [0, 1_000, 6_000]);
  await s.stop();
});

test('a run that exceeds timeoutMs sees its signal abort and the task keeps its schedule', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const s = new Scheduler();
  const aborted: boolean[] = [];
  let calls = 0;
  s.register('hang', {
    intervalMs: 10_000,
    timeoutMs: 3_000,
    run: (signal) =>
      new Promise<void>((resolve) => {
        calls++;
        signal.addEventListener('abort', () => {
          aborted.push(true);
          resolve();
        });
      }),
  });
  // AbortSignal.timeout uses real timers; stop() aborts through the shutdown signal instead.
  t.mock.timers.tick(0);
  await settle();
  assert.equal(calls, 1);
  await s.stop();
  assert.deepEqual(aborted, [true]);
});

test('the global concurrency limit holds runs back until a slot frees', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const s = new Scheduler({ concurrency: 2 });
  let inFlight = 0;
  let peak = 0;
  let done = 0;
  for (let i = 0; i < 6; i++) {
    s.register(`t${i}`, {
      intervalMs: 1_000_000,
      run: async (signal) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep(100, signal); // hygiene: allow-sleep a 100 ms run under mocked timers, the work being scheduled
        inFlight--;
        done++;
      },
    });
  }
  for (let i = 0; i < 10; i++) {
    t.mock.timers.tick(100);
    await settle();
  }
  assert.equal(peak, 2);
  assert.equal(done, 6);
  await s.stop();
});

test('an error thrown by a run is reported and the task keeps running on schedule', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const errors: string[] = [];
  let runs = 0;
  const s = new Scheduler({ onError: (k, e) => errors.push(`${k}: ${(e as Error).message}`) });
  s.register('bad', {
    intervalMs: 1_000,
    run: async () => {
      runs++;
      throw new Error('boom');
    },
  });
  t.mock.timers.tick(0);
  await settle();
  for (let i = 0; i < 3; i++) {
    t.mock.timers.tick(1_000);
    await settle();
  }
  assert.equal(runs, 4);
  assert.equal(errors[0], 'bad: boom');
  await s.stop();
});

test('unregister stops a task from running again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  let runs = 0;
  const s = new Scheduler();
  s.register('gone', { intervalMs: 1_000, run: async () => void runs++ });
  t.mock.timers.tick(0);
  await settle();
  s.unregister('gone');
  t.mock.timers.tick(5_000);
  await settle();
  assert.equal(runs, 1);
  await s.stop();
});

test('readings cache: fresh() refuses an old reading and next() waits for a new one', async () => {
  const c = new ReadingsCache();
  c.set('so/0', { metrics: [{ name: 's0-x', value: 3 }], active: true, at: 1_000, durationMs: 5, source: 'poll' });
  assert.equal(c.fresh('so/0', 5_000, 10_000)?.metrics[0].value, 3);
  assert.equal(c.fresh('so/0', 20_000, 10_000), undefined);
  const waiting = c.next('so/0');
  c.set('so/0', { metrics: [{ name: 's0-x', value: 9 }], active: true, at: 21_000, durationMs: 5, source: 'push' });
  assert.equal((await waiting).metrics[0].value, 9);
  const ac = new AbortController();
  const aborted = c.next('so/0', ac.signal);
  ac.abort(new Error('gave up'));
  await assert.rejects(aborted, /gave up/);
  c.deletePrefix('so/');
  assert.equal(c.get('so/0'), undefined);
});

test('lateness is measured when a run starts, so time waiting for a concurrency slot counts', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const late = new Map<string, number[]>();
  const s = new Scheduler({ concurrency: 1, onLateness: (key, ms) => late.set(key, [...(late.get(key) ?? []), ms]) });
  const release: Array<() => void> = [];
  for (const key of ['a', 'b']) s.register(key, { intervalMs: 60_000, run: () => new Promise<void>((r) => release.push(r)) });
  t.mock.timers.tick(0);
  await settle();
  assert.deepEqual(late.get('a'), [0]);
  assert.equal(late.get('b'), undefined, 'b waits for the slot a holds');
  t.mock.timers.tick(250);
  release.shift()!();
  await settle();
  assert.deepEqual(late.get('b'), [250], 'b was due at 0 and started at 250');
  release.shift()!();
  await settle();
  await s.stop();
});
