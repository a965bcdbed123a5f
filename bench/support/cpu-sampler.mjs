// Preload for benchmarks (`node --import ./bench/support/cpu-sampler.mjs …`): a CPU profile of a window the
// benchmark chooses. The first SIGUSR2 starts V8's sampling CPU profiler (through node:inspector), the second stops
// it and writes $CPU_SAMPLER_DIR/<pid>-<n>.cpuprofile (Chrome DevTools' format; summarize with
// bench/support/cpu-summary.mjs). Unlike --cpu-prof it covers only the window (a steady state, not the start-up).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.CPU_SAMPLER_DIR ?? '.';
const session = new Session();
session.connect();
let profiling = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!profiling) {
    profiling = true;
    session.post('Profiler.enable', () => session.post('Profiler.start', () => process.stderr.write('cpu-sampler: started\n')));
    return;
  }
  profiling = false;
  session.post('Profiler.stop', (err, res) => {
    if (err) return process.stderr.write(`cpu-sampler: ${err.message}\n`);
    const file = join(dir, `${process.pid}-${++n}.cpuprofile`);
    writeFileSync(file, JSON.stringify(res.profile));
    process.stderr.write(`cpu-sampler: wrote ${file}\n`);
  });
});
