// What this build of Updraft is: the package.json version, the git commit it was built from (recorded by
// `npm run build` in lib/build-info.json, since an image has no .git; UPDRAFT_GIT_COMMIT overrides; else
// 'unknown') and the runtime. `updraft --version` prints it and the operator's keda_build_info gauge carries the
// same labels (KEDA pkg/metricscollector/prommetrics.go `buildInfo`: version, git_commit, goversion, goos, goarch;
// Updraft's goversion is the Node.js version). `kedaVersion` is the KEDA release Updraft behaves as: it is the
// `version` label and the generated HPAs' app.kubernetes.io/version label, as KEDA puts its own version there.
import { readFileSync } from 'node:fs';

/** The KEDA release whose behaviour Updraft follows (docs/model.md). */
export const KEDA_COMPAT_VERSION = '2.20.2';

export interface BuildInfo {
  /** Updraft's own version (package.json). */
  updraftVersion: string;
  /** keda_build_info labels. */
  labels: { version: string; git_commit: string; goversion: string; goos: string; goarch: string };
}

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Go's GOARCH names for Node's process.arch. */
export function goArch(arch: string = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

let cached: BuildInfo | undefined;

/** Read once: package.json two levels up (src/api/ and lib/api/ alike), lib/build-info.json beside this folder. */
export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  if (cached && env === process.env) return cached;
  const pkg = readJson(new URL('../../package.json', import.meta.url));
  const built = readJson(new URL('../build-info.json', import.meta.url));
  const commit = env.UPDRAFT_GIT_COMMIT || (typeof built?.gitCommit === 'string' && built.gitCommit) || 'unknown';
  const info: BuildInfo = {
    updraftVersion: typeof pkg?.version === 'string' ? pkg.version : '0.0.0',
    labels: { version: KEDA_COMPAT_VERSION, git_commit: commit, goversion: `node${process.versions.node}`, goos: process.platform, goarch: goArch() },
  };
  if (env === process.env) cached = info;
  return info;
}

/** The text `updraft --version` prints. */
export function versionText(info: BuildInfo = buildInfo()): string {
  const l = info.labels;
  return `updraft ${info.updraftVersion}\nkeda_build_info version=${l.version} git_commit=${l.git_commit} goversion=${l.goversion} goos=${l.goos} goarch=${l.goarch}`;
}
