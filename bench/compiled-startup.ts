// Start-up CPU of the operator entry point, compiled (lib/, what the image runs: `node lib/cli/main.js`) against
// the sources through tsx (`node bin/updraft.js` in a checkout). Each case is a fresh process; user+sys CPU is
// read by /usr/bin/time (GNU time, `%U %S`), wall time by this process. Prints the median and min of N runs.
// Builds lib/ first when it is missing or older than package.json (scripts/build.mjs --no-dashboard).
// With --ready it also starts the local control plane (test/support/control-plane.ts, the CRDs installed) and runs
// `updraft operator` against it until /readyz answers 200: the CPU the process used by then (utime+stime from
// /proc/<pid>/stat) and the wall time, compiled against tsx.
// usage: node --import tsx bench/compiled-startup.ts [runs=5] [--ready]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const ready = args.includes('--ready');
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const compiled = join(root, 'lib', 'cli', 'main.js');
if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(join(root, 'src', 'cli', 'main.ts')).mtimeMs) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--no-dashboard'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('build failed');
}

const entries: Array<[string, string[], NodeJS.ProcessEnv]> = [
  ['compiled  node lib/cli/main.js', [compiled], {}],
  ['tsx       node bin/updraft.js', [join(root, 'bin', 'updraft.js')], { UPDRAFT_RUNTIME: 'tsx' }],
];
const commands: string[][] = [['operator', '--help'], ['--version']];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs: number[]) => Math.min(...xs);

for (const args of commands) {
  for (const [name, entry, env] of entries) {
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...entry, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      wall.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
      if (!m) throw new Error(`no CPU line from /usr/bin/time: ${r.stderr}`);
      cpu.push((Number(m[1]) + Number(m[2])) * 1000);
    }
    console.log(
      `${`${name} ${args.join(' ')}`.padEnd(52)} user+sys median ${median(cpu).toFixed(0).padStart(5)} ms  min ${min(cpu).toFixed(0).padStart(5)} ms   wall median ${median(wall).toFixed(0).padStart(5)} ms  (${runs} runs)`,
    );
  }
}

if (ready) {
  const { startControlPlane } = await import('../test/support/control-plane.ts');
  const { installCrds } = await import('../test/support/metrics-api-registration.ts');
  const { freePort } = await import('../test/support/free-port.ts');
  const { readFileSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  /** utime+stime of `pid` in ms (/proc/<pid>/stat fields 14 and 15, after the command's parenthesised name). */
  const cpuMs = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
  };
  const cp = await startControlPlane();
  try {
    await installCrds(cp, root);
    for (const [name, entry, env] of entries) {
      const cpu: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const port = await freePort();
        const t0 = performance.now();
        const child = spawn(
          process.execPath,
          [
            ...entry,
            'operator',
            '--kubeconfig',
            cp.kubeconfig,
            '--namespace',
            'default',
            '--no-leader-elect',
            '--metrics-api-bind-address',
            '0',
            '--metrics-bind-address',
            '0',
            '--health-probe-bind-address',
            `127.0.0.1:${port}`,
          ],
          { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' },
        );
        try {
          for (;;) {
            if (child.exitCode !== null) throw new Error(`${name} operator exited ${child.exitCode}`);
            const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
              .then((r) => r.ok)
              .catch(() => false);
            if (ok) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          wall.push(performance.now() - t0);
          cpu.push(cpuMs(child.pid!));
        } finally {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
      }
      console.log(
        `${`${name} operator → /readyz 200`.padEnd(52)} user+sys median ${median(cpu).toFixed(0).padStart(5)} ms  min ${min(cpu).toFixed(0).padStart(5)} ms   wall median ${median(wall).toFixed(0).padStart(5)} ms  (${runs} runs)`,
      );
    }
  } finally {
    await cp.stop();
  }
}
