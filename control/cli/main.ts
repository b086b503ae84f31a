/**
 * `switchyard`: the one operator command. Each subcommand lives in
 * `commands/<name>.ts` and exports `register(program)`; add yours to the list.
 */
import { Command } from 'commander';
import type { CommandModule } from './command-module.ts';

const modules: Array<() => Promise<CommandModule>> = [
  // keep one line per command module, alphabetical
  () => import('./commands/aggregator.ts'),
  () => import('./commands/apply.ts'),
  () => import('./commands/dashboard.ts'),
  () => import('./commands/db.ts'),
  () => import('./commands/dev.ts'),
  () => import('./commands/edge.ts'),
  () => import('./commands/keys.ts'),
  () => import('./commands/libsql-server.ts'),
  () => import('./commands/otlp-receiver.ts'),
  () => import('./commands/proxy.ts'),
  () => import('./commands/replay.ts'),
  () => import('./commands/service-keys.ts'),
  () => import('./commands/rollout.ts'),
  () => import('./commands/canary.ts'),
  () => import('./commands/sim-cluster.ts'),
  () => import('./commands/simulate.ts'),
  () => import('./commands/status.ts'),
];

async function main(): Promise<void> {
  const program = new Command('switchyard')
    .description('Switchyard: global request router for GPU and AI inference workloads')
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const load of modules) (await load()).register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`switchyard: ${message}\n`);
  process.exitCode = 1;
});
