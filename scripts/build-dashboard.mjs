#!/usr/bin/env node
// Builds the dashboard's page (src/dashboard/: Preact + htm + uPlot) into dist/dashboard/ with esbuild: one
// app.js, one app.css (uPlot's stylesheet included) and index.html; everything the page loads is served by
// Updraft itself (no CDN), so the page works offline. Run by `npm run prepare`, scripts/test.sh, and by the
// dashboard server on first serve when dist/dashboard/ is missing (src/servers/dashboard-server.ts).
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const out = join(root, 'dist', 'dashboard');
// Build beside the output, then swap it in: a server serving the old bundle never sees half a build.
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
await build({
  entryPoints: { app: join(root, 'src', 'dashboard', 'app.ts') },
  outdir: tmp,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(root, 'src', 'dashboard', 'index.html'), join(tmp, 'index.html'));
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.log(`dashboard built: ${out}`);
