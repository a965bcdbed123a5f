#!/usr/bin/env node
// The updraft CLI. Sources are TypeScript run through tsx, so `npx updraft` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
