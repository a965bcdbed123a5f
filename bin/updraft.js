#!/usr/bin/env node
// The updraft CLI. Two ways to run (docs/adr/0003):
//  - compiled: lib/cli/main.js, built by `npm run build` (what the image runs: no tsx, no TypeScript at start-up);
//  - sources: src/cli/main.ts through tsx, so `npx updraft` works right after `npm ci` in a checkout.
// lib/ is used when there are no sources beside it (the image, a packed install); in a checkout the sources run,
// so a lib/ left from an earlier build can never run stale code. UPDRAFT_RUNTIME=compiled|tsx chooses explicitly.
import { existsSync } from 'node:fs';

const compiled = new URL('../lib/cli/main.js', import.meta.url);
const sources = new URL('../src/cli/main.ts', import.meta.url);
const wanted = process.env.UPDRAFT_RUNTIME;
const useCompiled = wanted === 'compiled' || (wanted !== 'tsx' && existsSync(compiled) && !existsSync(sources));

if (useCompiled) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
}
