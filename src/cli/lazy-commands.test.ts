// `updraft <command> --help` loads the command's module and what it imports statically, nothing more (main.ts
// loads one command module; the operator command imports its dependency graph when it runs). Walked here over the
// static value imports of each command module (type-only and dynamic `import()` ones are not loaded at --help).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = dirname(fileURLToPath(import.meta.url));
const SRC = dirname(CLI);

/** Static value imports of a file: `import x from`, `import { a } from`, `export … from`, side-effect `import '…'`. */
export function staticValueImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[;}\n])\s*(import|export)\s+(type\s+)?([^;'"`]*?)\bfrom\s*(['"])([^'"]+)\4/g)) {
    if (m[2]) continue;
    // `import { type A, type B } from` loads nothing either.
    const names = /^\{([^}]*)\}\s*$/.exec(m[3].trim());
    if (names && names[1].split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    out.push(m[5]);
  }
  for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s*(['"])([^'"]+)\1/g)) out.push(m[2]);
  return out;
}

/** Every module `entry` loads before it runs: our files (relative to src/) and packages (bare names). */
function loadedAtImport(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const rel = relative(SRC, file);
    if (files.has(rel)) continue;
    files.add(rel);
    for (const spec of staticValueImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (existsSync(target)) queue.push(target);
      } else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return { files, packages };
}

const COMMAND_MODULES = [...readFileSync(join(CLI, 'main.ts'), 'utf8').matchAll(/load: \(\) => import\('\.\/([\w-]+\.ts)'\)/g)].map((m) => m[1]);

describe('command modules load only what their --help needs', () => {
  test('main.ts lists the command modules', () =>
    assert.ok(COMMAND_MODULES.includes('operator.ts') && COMMAND_MODULES.length >= 8, COMMAND_MODULES.join(', ')));
  /** A file of src/operator/ that is a leaf (settings and parsers: imports only node: and api/) is not the operator's graph. */
  const isOperatorGraph = (f: string) =>
    f.startsWith('operator/') && staticValueImports(readFileSync(join(SRC, f), 'utf8')).some((s) => !s.startsWith('node:') && !s.startsWith('../api/'));
  for (const mod of COMMAND_MODULES) {
    test(`${mod} does not load the operator (src/operator/) when imported`, () => {
      const { files } = loadedAtImport(join(CLI, mod));
      assert.deepEqual([...files].filter(isOperatorGraph), []);
    });
  }
  test('operator.ts loads no scaler, Kubernetes client, server or logger until the operator runs', () => {
    const { files, packages } = loadedAtImport(join(CLI, 'operator.ts'));
    assert.deepEqual(
      [...files].filter((f) => isOperatorGraph(f) || /^(runtime|servers|kube|auth|targets)\//.test(f) || f === 'scalers/index.ts'),
      [],
    );
    assert.deepEqual(
      [...packages].filter((p) => p !== 'commander'),
      [],
    );
  });
});
