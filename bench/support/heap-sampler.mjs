// Preload for benchmarks (`node --import ./bench/support/heap-sampler.mjs …`): samples the heap from the start
// (V8's sampling heap profiler, through node:inspector) and, on SIGUSR2, writes what is still live to
// $HEAP_SAMPLER_DIR/<pid>-<n>.heapprofile (Chrome DevTools' format; summarize with bench/support/heap-summary.mjs).
// Unlike --heap-prof it needs no clean exit, and it can be taken in the middle of a steady window.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.HEAP_SAMPLER_DIR ?? '.';
const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', { samplingInterval: 32768 });
let n = 0;
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.getSamplingProfile', (err, res) => {
    if (err) return process.stderr.write(`heap-sampler: ${err.message}\n`);
    const file = join(dir, `${process.pid}-${++n}.heapprofile`);
    writeFileSync(file, JSON.stringify(res.profile));
    process.stderr.write(`heap-sampler: wrote ${file}\n`);
  });
});
