// The import boundaries between src/ folders: each folder may import only from the folders its row lists (and
// from itself). Every `import … from`, `export … from`, side-effect `import '…'` and `import('…')` of every
// non-test .ts file under src/ is checked; type-only imports count too (a type import still ties the layers).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(SRC);

const BELOW_CLI = ['api', 'engine', 'scalers', 'auth', 'kube', 'targets', 'runtime', 'servers', 'simulate', 'load', 'operator'];

/** folder → the folders of ours it may import besides itself. */
export const LAYERS: Record<string, readonly string[]> = {
  api: [],
  engine: ['api'],
  scalers: ['api', 'auth'],
  auth: ['api'],
  kube: ['api'],
  targets: ['api', 'kube'],
  runtime: ['engine', 'scalers', 'targets', 'auth', 'api', 'kube'],
  // servers/ imports api/, kube/, scalers/ (the OTLP store, trigger checks), runtime/ and engine/ (the dashboard's
  // recorder), and simulate/: the dashboard's what-if replays the recorded hour through simulate's engine loop.
  servers: ['runtime', 'api', 'kube', 'engine', 'scalers', 'simulate'],
  simulate: ['engine', 'scalers', 'api'],
  load: ['api'],
  // runtime/, kube/, servers/ and everything below them
  operator: ['runtime', 'kube', 'servers', 'engine', 'scalers', 'targets', 'auth', 'api'],
  // The dashboard's page (bundled for the browser by scripts/build-dashboard.mjs): nothing of ours.
  dashboard: [],
  local: BELOW_CLI,
  cli: [...BELOW_CLI, 'local'],
};

/** Files of scalers/ that are not scalers: the registry, the scaler contract and the registry's offline checks. */
const SCALERS_NOT_SCALER_FILES = new Set(['index.ts', 'scaler.ts', 'trigger-problems.ts']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The module specifiers a file imports (static, re-exports, side-effect and dynamic), comments left out. */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const patterns = [
    /(?:^|[;}\n])\s*(?:import|export)\s+(?:type\s+)?[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /(?:^|[;}\n])\s*import\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[2]);
  return out;
}

interface Edge {
  from: string;
  to: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // packages and node: builtins
      out.push({
        from: relative(ROOT, file).split(sep).join('/'),
        to: relative(ROOT, resolve(dirname(file), spec))
          .split(sep)
          .join('/'),
      });
    }
  }
  return out;
}

/** `src/<folder>/...` → folder; undefined for src/*.ts itself or paths outside src/. */
function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/** Every import that runs against the table, worded `src/x/a.ts imports src/y/b.ts (x/ may import: ...)`. */
export function violations(all: Edge[] = edges()): string[] {
  const out: string[] = [];
  for (const { from, to } of all) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === undefined) continue;
    const allowed = LAYERS[a];
    const mayImport = `${a}/ may import: ${allowed && allowed.length ? allowed.map((f) => `${f}/`).join(', ') : 'nothing of ours'}`;
    if (!allowed) out.push(`${from} imports ${to} (${a}/ has no row in the layering table)`);
    else if (b === undefined) out.push(`${from} imports ${to} (outside the src/ folders; ${mayImport})`);
    else if (b !== a && !allowed.includes(b)) out.push(`${from} imports ${to} (${mayImport})`);
    // scalers/<type>.ts never imports another scaler file: shared code lives in scalers/common/.
    const scalerFile = (p: string) => /^src\/scalers\/[^/]+\.ts$/.test(p) && !SCALERS_NOT_SCALER_FILES.has(p.slice('src/scalers/'.length));
    if (scalerFile(from) && /^src\/scalers\/[^/]+\.ts$/.test(to) && to !== 'src/scalers/scaler.ts') {
      out.push(`${from} imports ${to} (a scaler file may import from scalers/ only scaler.ts and common/)`);
    }
    if (from.startsWith('src/scalers/common/') && scalerFile(to)) out.push(`${from} imports ${to} (scalers/common/ is shared code below the scaler files)`);
    // operator/operator.ts is the operator's composition root: the other operator files never import it.
    if (a === 'operator' && from !== 'src/operator/operator.ts' && to === 'src/operator/operator.ts') {
      out.push(`${from} imports ${to} (operator/operator.ts is the composition root; only cli/ and local/ import it)`);
    }
  }
  return [...new Set(out)].sort();
}

describe('import boundaries between src/ folders', () => {
  const all = edges();

  test('the import scanner finds static, type-only, re-export, side-effect and dynamic imports', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      'import {\n  c,\n  type D,\n} from "./c.ts";',
      "export { e } from './e.ts';",
      "export * from './f.ts';",
      "import './g.ts';",
      "const h = await import('./h.ts');",
      "// import { x } from './commented.ts';",
      "/* import { y } from './block.ts'; */",
    ].join('\n');
    assert.deepEqual(importSpecifiers(text).sort(), ['../b.ts', './a.ts', './c.ts', './e.ts', './f.ts', './g.ts', './h.ts']);
  });

  test('every folder under src/ has a row', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    assert.deepEqual(
      folders.filter((f) => !(f in LAYERS)),
      [],
    );
    assert.ok(all.length > 100, `only ${all.length} imports found: the scanner is broken`);
  });

  const found = violations(all);
  for (const folder of Object.keys(LAYERS)) {
    test(`${folder}/ imports only ${LAYERS[folder].length ? LAYERS[folder].map((f) => `${f}/`).join(', ') : 'nothing of ours'}`, () => {
      const mine = found.filter((v) => v.startsWith(`src/${folder}/`));
      assert.equal(mine.length, 0, `\n${mine.join('\n')}`);
    });
  }
});
