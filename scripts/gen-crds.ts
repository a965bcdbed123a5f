#!/usr/bin/env -S node --import tsx
// Writes the keda.sh CRDs generated from src/api/ to deploy/crds/ (src/api/crds.test.ts fails when they are stale).
// usage: node --import tsx scripts/gen-crds.ts [outDir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../src/api/crds.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const outDir = process.argv[2] ?? join(root, 'deploy', 'crds');
mkdirSync(outDir, { recursive: true });
for (const f of crdFiles()) {
  writeFileSync(join(outDir, f.fileName), f.yaml);
  console.log(`wrote ${join(outDir, f.fileName)}`);
}
