// Preload for benchmarks (`node --import ./bench/support/alloc-sampler.mjs …`): what a window the benchmark
// chooses allocated, collected or not — the garbage the GC has to clear, where heap-sampler.mjs shows what stays.
// The first SIGUSR2 starts V8's sampling heap profiler with the objects collected by minor and major GCs kept in
// the samples; the second stops it and writes $ALLOC_SAMPLER_DIR/<pid>-<n>.heapprofile (summarize with
// bench/support/heap-summary.mjs, which then reads as allocated bytes in the window).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.ALLOC_SAMPLER_DIR ?? '.';
const session = new Session();
session.connect();
let sampling = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    const params = { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
    session.post('HeapProfiler.startSampling', params, (err) => process.stderr.write(err ? `alloc-sampler: ${err.message}\n` : 'alloc-sampler: started\n'));
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (err, res) => {
    if (err) return process.stderr.write(`alloc-sampler: ${err.message}\n`);
    const file = join(dir, `${process.pid}-${++n}.heapprofile`);
    writeFileSync(file, JSON.stringify(res.profile));
    process.stderr.write(`alloc-sampler: wrote ${file}\n`);
  });
});
