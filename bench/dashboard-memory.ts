// Memory of the dashboard's history per object, measured: N objects with their rings and notes filled to capacity,
// heap + ArrayBuffers before and after (run with --expose-gc). docs/dashboard.md quotes its output.
//   node --expose-gc --import tsx bench/dashboard-memory.ts [triggers per object]
import { HISTORY_NOTES, HISTORY_POINTS, ObjectHistory } from '../src/servers/dashboard-history.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const N = 200;
// One measurement per process: `… bench/dashboard-memory.ts 3` for three triggers per object (default 1).
const triggers = Number(process.argv[2] ?? 1);
{
  gc();
  gc();
  const before = process.memoryUsage();
  const keep: ObjectHistory[] = [];
  for (let k = 0; k < N; k++) {
    const ht = Array.from({ length: triggers }, (_, i) => ({
      index: i,
      type: 'aws-sqs-queue',
      metricName: `s${i}-aws-sqs-queue-${k}`,
      kind: 'External' as const,
      targetType: 'AverageValue',
      target: 5,
    }));
    const o = new ObjectHistory('ScaledObject', 'default', `object-${k}`, ht, 'direct');
    for (let i = 0; i < HISTORY_POINTS + 100; i++)
      o.push({ t: i * 1000, replicas: i % 7, desired: i % 7, ready: i % 7, flags: i % 3, values: ht.map(() => i) });
    for (let i = 0; i < HISTORY_NOTES + 10; i++)
      o.note({ at: i, kind: 'scaled', message: `3 → 4: scale 3→4: trigger s0-aws-sqs-queue active, ${i} > 0; HPA ${i}`.padEnd(200, '.') });
    o.last = {
      at: 1,
      replicas: 1,
      desired: 1,
      ready: 1,
      active: true,
      fallback: false,
      reason: 'r'.repeat(200),
      values: ht.map((t) => ({ metricName: t.metricName, value: 1 })),
    };
    keep.push(o);
  }
  gc();
  gc();
  const after = process.memoryUsage();
  const per = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / N;
  console.log(
    `${triggers} trigger(s): ${(per / 1024).toFixed(1)} KiB per object measured (point arrays ${(keep[0].bytes / 1024).toFixed(1)} KiB, ${HISTORY_POINTS} points)`,
  );
}
