// `updraft <command>`: the only place that wires the modules together. Each command lives in its own file
// under cli/ and exports `register(program)`; this file just lists them.
import { Command } from 'commander';

const program = new Command();
program
  .name('updraft')
  .description('Event-driven autoscaling for Kubernetes: a drop-in for KEDA (keda.sh/v1alpha1)')
  .showHelpAfterError()
  .enablePositionalOptions();

const commands: Array<() => Promise<{ register: (p: Command) => void }>> = [
  // one line per command module, in the order `--help` lists them
  () => import('./operator.ts'),
  () => import('./webhooks.ts'),
  () => import('./validate.ts'),
  () => import('./probe.ts'),
  () => import('./up.ts'),
  () => import('./load.ts'),
  () => import('./simulate.ts'),
  () => import('./explain.ts'),
];
for (const load of commands) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A command's own error: one line naming what is wrong and the fix, no stack trace (UPDRAFT_DEBUG=1 shows it).
  process.stderr.write(`updraft: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.UPDRAFT_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
