#!/usr/bin/env node
// What the Updraft image contains, worked out without a Docker engine: the Dockerfile's stages are replayed over
// the build context (the working tree minus .dockerignore), COPY by COPY, and the few RUN commands it uses are
// modelled (`npm ci` → the packages package-lock.json installs, `--omit=dev` leaving out the dev ones;
// `npm run build` → what scripts/build.mjs writes: lib/ from tsconfig.build.json's files, dist/dashboard/).
// Then the runtime stage's files are checked: compiled JavaScript only — no TypeScript source, no test files,
// no tsx/typescript/esbuild, no bench/, docs/, test/ or examples/ — the entrypoint exists, every FROM is pinned
// by digest and the OCI labels are set. A RUN it cannot model is a problem, so the model cannot drift silently.
//   node scripts/check-image.mjs            prints a summary and the problems; exit 1 when there are any
//   node scripts/check-image.mjs --list     also prints the runtime file list
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

// --- .dockerignore (Docker's rules: Go filepath.Match patterns, `**` any number of directories, `!` re-includes,
// the last matching line wins; a pattern matching a directory excludes everything below it).
export function parseDockerignore(text) {
  const rules = [];
  for (let line of text.split('\n')) {
    line = line.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = posix.normalize(line.replace(/^\/+/, '')).replace(/\/+$/, '');
    rules.push({ negate, glob: line, re: globToRegExp(line) });
  }
  return rules;
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` anything.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a context path (posix, relative) is excluded: it or one of its parent directories matches. */
export function isIgnored(rules, path) {
  const parts = path.split('/');
  let ignored = false;
  for (let n = 1; n <= parts.length; n++) {
    const prefix = parts.slice(0, n).join('/');
    for (const r of rules) if (r.re.test(prefix)) ignored = !r.negate;
    if (ignored && n < parts.length) {
      // An excluded directory stays excluded unless a later `!` rule names something below it.
      const reopened = rules.some((r) => r.negate && (r.glob.startsWith(`${prefix}/`) || r.glob.startsWith('**')));
      if (!reopened) return true;
    }
  }
  return ignored;
}

/** The build context's files (posix paths relative to `root`), .dockerignore applied; node_modules etc. pruned early. */
export function contextFiles(root, rules) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      let st;
      try {
        st = statSync(abs);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (isIgnored(rules, rel) && !rules.some((r) => r.negate)) continue;
        walk(abs);
      } else if (!isIgnored(rules, rel)) out.push(rel);
    }
  };
  walk(root);
  return out.sort();
}

// --- Dockerfile
/** Instructions with continuation lines joined and comments dropped: { op, args, line }. */
export function parseDockerfile(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let l = lines[i];
    if (/^\s*#/.test(l) || !l.trim()) continue;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      l = l.replace(/\\\s*$/, ' ');
      i += 1;
      if (!/^\s*#/.test(lines[i])) l += lines[i];
    }
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(l);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start });
  }
  return out;
}

function words(s) {
  if (s.startsWith('[')) return JSON.parse(s);
  return s.split(/\s+/).filter(Boolean);
}

/** Packages an `npm ci` writes into node_modules/, from package-lock.json (`dev` ones left out with --omit=dev). */
export function lockPackages(lock, omitDev) {
  return Object.entries(lock.packages ?? {})
    .filter(([p, meta]) => p.startsWith('node_modules/') && !(omitDev && meta.dev) && !meta.link)
    .map(([p]) => `${p}/package.json`);
}

/** The files `npm run build` (scripts/build.mjs) writes: lib/<tsconfig.build.json files as .js>, assets, build-info, dist/dashboard/. */
export function buildOutputs(stageFiles) {
  const tsconfig = JSON.parse(stripJsonComments(stageFiles.get('tsconfig.build.json') ?? '{}'));
  const exclude = (tsconfig.exclude ?? []).map((g) => globToRegExp(g));
  const rootDir = tsconfig.compilerOptions?.rootDir ?? 'src';
  const outDir = tsconfig.compilerOptions?.outDir ?? 'lib';
  const out = [`${outDir}/build-info.json`];
  for (const f of stageFiles.keys()) {
    if (!f.startsWith(`${rootDir}/`)) continue;
    const rel = f.slice(rootDir.length + 1);
    if (f.endsWith('.ts')) {
      if (f.endsWith('.d.ts') || exclude.some((re) => re.test(f) || re.test(f.replace(/\/[^/]*$/, '')) || f.startsWith(`${re.source.slice(1, -1)}/`))) continue;
      out.push(`${outDir}/${rel.replace(/\.ts$/, '.js')}`, `${outDir}/${rel.replace(/\.ts$/, '.js.map')}`);
    } else if (!rel.startsWith('dashboard/')) out.push(`${outDir}/${rel}`);
  }
  if (stageFiles.has('scripts/build-dashboard.mjs')) out.push('dist/dashboard/app.js', 'dist/dashboard/app.css', 'dist/dashboard/index.html');
  return out;
}

function stripJsonComments(text) {
  return text.replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Replays the Dockerfile. Returns every stage's files (Map: path relative to the stage's WORKDIR → content for
 * context files, '' for generated ones), the runtime stage's instructions and the problems met on the way.
 */
export function imageModel({ root = ROOT, dockerfile, dockerignore, lock } = {}) {
  dockerfile ??= readFileSync(join(root, 'Dockerfile'), 'utf8');
  dockerignore ??= readFileSync(join(root, '.dockerignore'), 'utf8');
  lock ??= JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const rules = parseDockerignore(dockerignore);
  const context = contextFiles(root, rules);
  const problems = [];
  const stages = [];
  let stage;
  for (const ins of parseDockerfile(dockerfile)) {
    if (ins.op === 'FROM') {
      const [image, as, name] = words(ins.args).filter((w) => !w.startsWith('--'));
      stage = {
        name: as?.toUpperCase() === 'AS' ? name : String(stages.length),
        image,
        workdir: '/',
        files: new Map(),
        labels: {},
        entrypoint: undefined,
        line: ins.line,
      };
      stages.push(stage);
      continue;
    }
    if (!stage) continue;
    const abs = (p) => posix.resolve(stage.workdir, p);
    if (ins.op === 'WORKDIR') stage.workdir = abs(ins.args);
    else if (ins.op === 'LABEL') {
      for (const m of ins.args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) stage.labels[m[1]] = m[2].replace(/^"|"$/g, '');
    } else if (ins.op === 'ENTRYPOINT') stage.entrypoint = words(ins.args);
    else if (ins.op === 'COPY' || ins.op === 'ADD') {
      const w = words(ins.args);
      const from = w.find((x) => x.startsWith('--from='))?.slice('--from='.length);
      const paths = w.filter((x) => !x.startsWith('--'));
      const dest = paths.pop();
      const destAbs = abs(dest);
      const destIsDir = dest.endsWith('/') || paths.length > 1;
      const source = from === undefined ? undefined : stages.find((s) => s.name === from);
      if (from !== undefined && !source) {
        problems.push(`Dockerfile:${ins.line}: COPY --from=${from}: no such stage`);
        continue;
      }
      for (const src of paths) {
        // Source files as absolute paths (a stage's) or context-relative ones.
        const srcNorm =
          from === undefined
            ? posix
                .normalize(src)
                .replace(/^\.\/?/, '')
                .replace(/\/$/, '')
            : posix.resolve(source.workdir, src);
        const pool = from === undefined ? context.map((f) => [f, f]) : [...source.files.keys()].map((f) => [f, f]);
        const matched = pool.filter(([f]) => srcNorm === '' || f === srcNorm || f.startsWith(`${srcNorm}/`));
        if (matched.length === 0)
          problems.push(
            `Dockerfile:${ins.line}: COPY ${src}: nothing in the ${from === undefined ? 'build context (after .dockerignore)' : `stage ${from}`} matches`,
          );
        for (const [f] of matched) {
          const target =
            f === srcNorm
              ? destIsDir
                ? posix.join(destAbs, posix.basename(f))
                : destAbs
              : posix.join(destAbs, f.slice(srcNorm === '' ? 0 : srcNorm.length + 1));
          stage.files.set(target, from === undefined ? readFileSync(join(root, f), 'utf8') : source.files.get(f));
        }
      }
    } else if (ins.op === 'RUN') {
      for (const cmd of ins.args.split('&&').map((c) => c.trim())) {
        const argv = cmd.split(/\s+/);
        const inWorkdir = (p) => posix.join(stage.workdir, p);
        if (argv[0] === 'npm' && argv[1] === 'ci') {
          if (!stage.files.has(inWorkdir('package-lock.json'))) problems.push(`Dockerfile:${ins.line}: npm ci without package-lock.json in ${stage.workdir}`);
          for (const p of lockPackages(lock, argv.includes('--omit=dev') || argv.includes('--production'))) stage.files.set(inWorkdir(p), '');
        } else if (argv[0] === 'npm' && argv[1] === 'run' && argv[2] === 'build') {
          const here = new Map([...stage.files].filter(([f]) => f.startsWith(`${stage.workdir}/`)).map(([f, c]) => [f.slice(stage.workdir.length + 1), c]));
          for (const f of buildOutputs(here)) stage.files.set(inWorkdir(f), '');
        } else if (argv[0] === 'npm' && argv[1] === 'cache' && argv[2] === 'clean') {
          // writes nothing into the app
        } else problems.push(`Dockerfile:${ins.line}: RUN '${cmd}' is not modelled by scripts/check-image.mjs; teach it what the command writes`);
      }
    }
  }
  return { stages, runtime: stages.at(-1), problems, context };
}

// Build-time tools and our devDependencies (@types/* stay: @kubernetes/client-node depends on them at run time).
const FORBIDDEN_PACKAGES = ['tsx', 'typescript', 'esbuild', '@esbuild/', 'c8', 'fast-check', 'playwright-core', 'nats'];
const FORBIDDEN_DIRS = ['/app/src/', '/app/test/', '/app/bench/', '/app/docs/', '/app/examples/', '/app/scripts/', '/app/coverage/'];
const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.created',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.base.name',
  'org.opencontainers.image.base.digest',
];

/** The checks on the runtime stage; returns the problems (empty = the image is release-grade). */
export function checkImage(model) {
  const problems = [...model.problems];
  const { runtime } = model;
  if (!runtime) return [...problems, 'Dockerfile: no FROM'];
  for (const s of model.stages)
    if (!/@sha256:[0-9a-f]{64}$/.test(s.image ?? '')) problems.push(`Dockerfile:${s.line}: FROM ${s.image} is not pinned by digest (name@sha256:…)`);
  for (const l of REQUIRED_LABELS) if (!runtime.labels[l]) problems.push(`Dockerfile: the runtime stage has no LABEL ${l}`);
  const files = [...runtime.files.keys()].sort();
  for (const f of files) {
    const base = posix.basename(f);
    if (/\.test\.(ts|js|mjs)$/.test(base) || /\.test\.js\.map$/.test(base)) problems.push(`image: test file ${f}`);
    else if (f.endsWith('.ts') && !f.includes('/node_modules/')) problems.push(`image: TypeScript source ${f} (the image runs compiled JavaScript)`);
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(f)?.[1];
    if (pkg && FORBIDDEN_PACKAGES.some((p) => (p.endsWith('/') ? pkg.startsWith(p) : pkg === p)))
      problems.push(`image: build-time package ${pkg} in ${f.replace(/\/package\.json$/, '')}`);
    const dir = FORBIDDEN_DIRS.find((d) => f.startsWith(d));
    if (dir) problems.push(`image: ${f} (nothing of ${dir} belongs in the image)`);
  }
  const ep = runtime.entrypoint ?? [];
  const script = ep.find((a, i) => i > 0 && /\.(m?js)$/.test(a));
  if (ep[0] !== 'node' || !script) problems.push(`Dockerfile: ENTRYPOINT ${JSON.stringify(ep)} does not run a .js file with node`);
  else if (!runtime.files.has(posix.resolve(runtime.workdir, script))) problems.push(`Dockerfile: ENTRYPOINT runs ${script}, which is not in the image`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const model = imageModel();
  const problems = checkImage(model);
  const files = [...model.runtime.files.keys()].sort();
  if (process.argv.includes('--list')) for (const f of files) process.stdout.write(`${f}\n`);
  const own = files.filter((f) => !f.includes('/node_modules/'));
  process.stdout.write(
    `image: ${files.length} files modelled (${own.length} of Updraft's own, ${files.length - own.length} node_modules package manifests); ${problems.length} problem(s)\n`,
  );
  for (const p of problems) process.stdout.write(`  ${p}\n`);
  process.exitCode = problems.length ? 1 : 0;
}
