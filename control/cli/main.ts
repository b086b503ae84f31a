/**
 * `switchyard`: the one operator command. Each subcommand lives in
 * `commands/<name>.ts` and exports `register(program)`; add yours to the list.
 */
import { Command, CommanderError } from 'commander';
import type { CommandModule } from './command-module.ts';
import { checkRequiredOptionsLast } from './required-options-checked-last.ts';
import { commandPath, unknownCommandIn } from './unknown-command.ts';

/** Exit status of a usage error (unknown command or option, missing value), as in POSIX tools. */
const USAGE_EXIT_CODE = 2;

/** Each module registers the one top-level command it is named after. */
const modules: Record<string, () => Promise<CommandModule>> = {
  // keep one line per command module, alphabetical
  aggregator: () => import('./commands/aggregator.ts'),
  apply: () => import('./commands/apply.ts'),
  canary: () => import('./commands/canary.ts'),
  dashboard: () => import('./commands/dashboard.ts'),
  db: () => import('./commands/db.ts'),
  dev: () => import('./commands/dev.ts'),
  edge: () => import('./commands/edge.ts'),
  keys: () => import('./commands/keys.ts'),
  'libsql-server': () => import('./commands/libsql-server.ts'),
  'otlp-receiver': () => import('./commands/otlp-receiver.ts'),
  proxy: () => import('./commands/proxy.ts'),
  replay: () => import('./commands/replay.ts'),
  rollout: () => import('./commands/rollout.ts'),
  'service-keys': () => import('./commands/service-keys.ts'),
  'sim-cluster': () => import('./commands/sim-cluster.ts'),
  simulate: () => import('./commands/simulate.ts'),
  status: () => import('./commands/status.ts'),
};

/**
 * The modules to load: only the named command's when the first argument names one. Loading
 * all seventeen (libSQL client, charts, servers) cost ~1.3 s of CPU under tsx before any
 * command ran; the full list is still loaded for help, no command or an unknown one.
 */
export function modulesFor(argv: readonly string[]): Array<() => Promise<CommandModule>> {
  const first = argv[2];
  const one = first === undefined || !Object.hasOwn(modules, first) ? undefined : modules[first];
  return one === undefined ? Object.values(modules) : [one];
}

async function main(): Promise<void> {
  const program = new Command('switchyard')
    .description('Switchyard: global request router for GPU and AI inference workloads')
    .showHelpAfterError()
    .enablePositionalOptions()
    // Commander's usage errors throw (every subcommand inherits this) so main decides the exit code.
    .exitOverride();
  for (const load of modulesFor(process.argv)) (await load()).register(program);
  checkRequiredOptionsLast(program);
  const unknown = unknownCommandIn(program, process.argv.slice(2));
  if (unknown !== null) {
    unknown.parent.error(`error: unknown command '${unknown.path}' (see \`${commandPath(unknown.parent)} --help\`)`, { code: 'commander.unknownCommand' });
  }
  let action: Command = program;
  program.hook('preAction', (_program, running) => {
    action = running;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) throw err;
    throw await asStoreError(err, commandPath(action).replace(/^switchyard ?/, '') || 'switchyard');
  }
}

/**
 * The CLI's one boundary for libSQL errors: they become the store's typed errors
 * (control/store/errors.ts), so e.g. a database that was never migrated says to run
 * `switchyard db migrate` whichever command met it. Loaded on failure only (startup cost).
 */
async function asStoreError(err: unknown, action: string): Promise<unknown> {
  const [{ LibsqlError }, { toStoreError }] = await Promise.all([import('@libsql/client'), import('../store/errors.ts')]);
  return err instanceof LibsqlError ? toStoreError(action, err) : err;
}

main().catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander has printed the message (and help); --help and --version end here with 0.
    process.exitCode = err.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`switchyard: ${message}\n`);
  process.exitCode = 1;
});
