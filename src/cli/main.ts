// `updraft <command>`: the only place that wires the modules together. Each command lives in its own file under
// cli/ and exports `register(program)`; this file lists them with their one-line summaries and loads only the
// module of the command being run (so `updraft validate` never loads the operator, the AWS SDK or the OTLP codec).
import { Command } from 'commander';
import { versionText } from '../api/build-info.ts';

interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<{ register: (p: Command) => void }>;
}

// One line per command module, in the order `--help` lists them.
const COMMANDS: CommandEntry[] = [
  {
    name: 'operator',
    summary: 'run the operator: watch ScaledObjects, scale 0↔N, manage HPAs, serve the external metrics API and the admission webhook',
    load: () => import('./operator.ts'),
  },
  {
    name: 'webhooks',
    summary: 'serve the validating admission webhooks for ScaledObject, ScaledJob and (Cluster)TriggerAuthentication',
    load: () => import('./webhooks.ts'),
  },
  {
    name: 'validate',
    summary: 'check ScaledObject, ScaledJob and (Cluster)TriggerAuthentication manifests without a cluster',
    load: () => import('./validate.ts'),
  },
  {
    name: 'probe',
    summary: 'read every trigger of the given ScaledObjects/ScaledJobs once and print metric, value, target and activity',
    load: () => import('./probe.ts'),
  },
  {
    name: 'up',
    summary: 'run ScaledObjects and their ProcessGroups on this machine: Updraft scales local processes on live metrics',
    load: () => import('./up.ts'),
  },
  { name: 'load', summary: 'send HTTP requests at a ramping rate (k6-style stages) and show rate, latency and errors', load: () => import('./load.ts') },
  { name: 'simulate', summary: 'replay metric series through a ScaledObject with the real decision engine (no cluster)', load: () => import('./simulate.ts') },
  {
    name: 'migrate',
    summary: 'switching from KEDA: `migrate check` reads the cluster (KEDA release, CRDs, HPAs, APIService, Lease) and prints the steps',
    load: () => import('./migrate.ts'),
  },
  {
    name: 'explain',
    summary: "explain why a ScaledObject's workload has its replica count: conditions, triggers, the HPA's maths, recent Events",
    load: () => import('./explain.ts'),
  },
];

const program = new Command();
program
  .name('updraft')
  .description('Event-driven autoscaling for Kubernetes: a drop-in for KEDA (keda.sh/v1alpha1)')
  .version(versionText(), '-V, --version', 'print the version and the build (the labels of the keda_build_info metric)')
  .showHelpAfterError()
  .enablePositionalOptions();

// The command asked for: the first argument that is not an option (`updraft help X` asks for X).
const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const wanted = first === 'help' ? args[args.indexOf('help') + 1] : first;
const chosen = COMMANDS.find((c) => c.name === wanted);

for (const entry of COMMANDS) {
  if (entry === chosen) {
    (await entry.load()).register(program);
    program.commands.find((c) => c.name() === entry.name)?.description(entry.summary);
  } else {
    // Listed in --help (and suggested after a typo) without loading its module.
    program.command(entry.name).description(entry.summary).allowUnknownOption().helpOption(false);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A command's own error: one line naming what is wrong and the fix, no stack trace (UPDRAFT_DEBUG=1 shows it).
  process.stderr.write(`updraft: ${readable(err)}\n`);
  if (process.env.UPDRAFT_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}

/** A file-system error as a sentence (`cannot read /x.yaml: no such file or directory`), never a raw ENOENT. */
function readable(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && typeof e.path === 'string') {
    const why =
      e.code === 'ENOENT'
        ? 'no such file or directory'
        : e.code === 'EACCES' || e.code === 'EPERM'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory'
            : e.code;
    return `cannot read ${e.path}: ${why}`;
  }
  return err instanceof Error ? err.message : String(err);
}
