// The operator image, checked without a Docker engine: scripts/check-image.mjs replays the Dockerfile over the
// build context (.dockerignore applied) and models `npm ci` / `npm run build`; the runtime stage must hold
// compiled JavaScript only. The real Dockerfile passes; each broken variant below is caught.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain ES module script without types
import { checkImage, imageModel, isIgnored, parseDockerignore } from '../../scripts/check-image.mjs';

interface Stage {
  files: Map<string, string>;
  entrypoint?: string[];
  labels: Record<string, string>;
}
interface Model {
  runtime: Stage;
  problems: string[];
}
const model = imageModel as (o?: { root?: string; dockerfile?: string; dockerignore?: string }) => Model;
const check = checkImage as (m: Model) => string[];

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const real = model({ root });
const files = [...real.runtime.files.keys()];

describe('the image built from the Dockerfile', () => {
  it('has no problems', () => assert.deepEqual(check(real), []));
  it('runs the compiled CLI (lib/cli/main.js is in it)', () => {
    assert.deepEqual(real.runtime.entrypoint, ['node', 'lib/cli/main.js']);
    assert.ok(real.runtime.files.has('/app/lib/cli/main.js'));
  });
  it('holds the compiled operator and the externalscaler.proto it loads', () => {
    assert.ok(real.runtime.files.has('/app/lib/operator/operator.js'));
    assert.ok(real.runtime.files.has('/app/lib/scalers/common/externalscaler.proto'));
  });
  it('holds the dashboard page (no esbuild at run time)', () => assert.ok(real.runtime.files.has('/app/dist/dashboard/app.js')));
  it('holds no test file', () =>
    assert.deepEqual(
      files.filter((f) => /\.test\./.test(f)),
      [],
    ));
  it('holds no TypeScript source', () =>
    assert.deepEqual(
      files.filter((f) => f.endsWith('.ts') && !f.includes('/node_modules/')),
      [],
    ));
  it('holds neither tsx nor typescript nor esbuild', () => {
    assert.deepEqual(
      files.filter((f) => /\/node_modules\/(tsx|typescript|esbuild|@esbuild\/[^/]+)\/package\.json$/.test(f)),
      [],
    );
  });
  it('holds the production dependencies (commander, pino)', () => {
    assert.ok(real.runtime.files.has('/app/node_modules/commander/package.json'));
    assert.ok(real.runtime.files.has('/app/node_modules/pino/package.json'));
  });
  it('holds nothing of bench/, docs/, test/, examples/, scripts/ or src/', () => {
    assert.deepEqual(
      files.filter((f) => /^\/app\/(bench|docs|test|examples|scripts|src)\//.test(f)),
      [],
    );
  });
  it('sets the OCI labels', () => assert.equal(real.runtime.labels['org.opencontainers.image.licenses'], 'Apache-2.0'));
});

describe('a broken Dockerfile is caught', () => {
  const rows: Array<{ name: string; edit: (d: string) => string; want: RegExp }> = [
    {
      name: 'COPY . . into the runtime stage (sources, tests)',
      edit: (d) => d.replace('COPY package.json ./\nCOPY --from=build', 'COPY . .\nCOPY --from=build'),
      want: /TypeScript source \/app\/src\/cli\/main\.ts/,
    },
    {
      name: 'all dependencies in the runtime (npm ci without --omit=dev)',
      edit: (d) => d.replace('npm ci --omit=dev', 'npm ci'),
      want: /build-time package tsx/,
    },
    { name: 'a base image by tag only', edit: (d) => d.replace(/@sha256:[0-9a-f]{64} AS deps/, ' AS deps'), want: /is not pinned by digest/ },
    {
      name: 'no OCI revision label',
      edit: (d) => d.replace(/\s*org\.opencontainers\.image\.revision="\$\{GIT_COMMIT\}" \\/, ''),
      want: /no LABEL org\.opencontainers\.image\.revision/,
    },
    {
      name: 'an entrypoint that is not in the image',
      edit: (d) => d.replace('"lib/cli/main.js"', '"bin/updraft.js"'),
      want: /ENTRYPOINT runs bin\/updraft\.js, which is not in the image/,
    },
    { name: 'a RUN the checker cannot model', edit: (d) => d.replace('RUN npm run build', 'RUN make'), want: /RUN 'make' is not modelled/ },
    {
      name: 'COPY of an ignored directory',
      edit: (d) => d.replace('COPY package.json ./\nCOPY --from=build', 'COPY docs ./docs\nCOPY --from=build'),
      want: /COPY docs: nothing in the build context/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const edited = row.edit(dockerfile);
      assert.notEqual(edited, dockerfile, 'the edit applies');
      assert.match(check(model({ root, dockerfile: edited })).join('\n'), row.want);
    });
  }
});

describe('.dockerignore matching (Docker rules)', () => {
  const rules = parseDockerignore('node_modules\n**/*.test.ts\ndocs\n*.svg\n!docs/keep.md\n');
  const rows: Array<[string, boolean]> = [
    ['node_modules/x/index.js', true],
    ['src/cli/main.test.ts', true],
    ['main.test.ts', true],
    ['src/cli/main.ts', false],
    ['docs/adr/0003.md', true],
    ['docs/keep.md', false],
    ['chart.svg', true],
    ['sub/chart.svg', false],
  ];
  for (const [path, ignored] of rows) it(`${path} is ${ignored ? '' : 'not '}ignored`, () => assert.equal(isIgnored(rules, path), ignored));
});
