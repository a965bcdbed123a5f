// The README's first command, shortened: `updraft up examples/quickstart --load /work` runs the real quickstart
// app under real load, scales out, returns to zero after the cooldown, exits by itself, prints the summary and
// writes the chart. Only ports (free ones) and the load stages differ from what the README runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.ts';

const bin = fileURLToPath(new URL('../../bin/updraft.js', import.meta.url));
const quickstart = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

it('up --load runs the quickstart end to end: 0 → N on load, back to 0, summary and chart, nothing left running', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-quickstart-'));
  try {
    const servicePort = await freePort();
    const from = 30000 + (process.pid % 200) * 50;
    const manifest = readFileSync(join(quickstart, 'updraft.yaml'), 'utf8')
      .replace(/port: 8080/, `port: ${servicePort}`)
      .replace(/ports: \{ from: 8100, to: 8199 \}/, `ports: { from: ${from}, to: ${from + 49} }`)
      .replace(/spec:\n  command: node/, `spec:\n  command: node\n  workingDir: ${JSON.stringify(quickstart)}`);
    assert.match(manifest, new RegExp(`workingDir: .*port: ${servicePort}`, 's'), 'the manifest was adapted');
    writeFileSync(join(dir, 'updraft.yaml'), manifest);
    const chart = join(dir, 'run.svg');
    const up = spawn(
      process.execPath,
      [bin, 'up', dir, '--otlp-port', '0', '--load', '/work', '--stages', '5s:60,15s:60,3s:0', '--chart', chart, '--no-output', '--max-duration', '3m'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    up.stdout.on('data', (d) => (out += d));
    up.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => up.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /scale 0→1/);
    const summary = /replicas 0 → max (\d+) → 0;/.exec(out);
    assert.ok(summary, `summary line in:\n${out}`);
    assert.ok(Number(summary[1]) >= 3, `60 req/s at 15 per instance needs at least 3 instances, max was ${summary[1]}`);
    assert.match(out, /cooldownPeriod 20s passed since last activity/);
    assert.match(out, /load over and every ScaledObject back at its minimum/);
    assert.match(out, /status {3}200: \d+/);
    assert.ok(existsSync(chart));
    const svg = readFileSync(chart, 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /offered load \(req\/s\)/);
    // Every instance that started has exited.
    const pids = [...out.matchAll(/started \(pid (\d+)/g)];
    assert.ok(pids.length >= 3, 'instances were started');
    for (const m of pids) {
      assert.throws(() => process.kill(Number(m[1]), 0), `instance pid ${m[1]} still running`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
