/**
 * `switchyard`: the one operator command. Each subcommand lives in
 * `commands/<name>.ts` and exports `register(program)`; add yours to the list.
 */
import { Command, CommanderError } from 'commander';
import type { CommandModule } from './command-module.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeOf, UsageError, usageProblems } from './exit-codes.ts';
import { checkRequiredOptionsLast } from './required-options-checked-last.ts';
import { commandPath, missingCommandIn, missingCommandMessage, unknownCommandIn } from './unknown-command.ts';

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
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  for (const load of modulesFor(process.argv)) (await load()).register(program);
  checkRequiredOptionsLast(program);
  const unknown = unknownCommandIn(program, process.argv.slice(2));
  if (unknown !== null) {
    unknown.parent.error(`error: unknown command '${unknown.path}' (see \`${commandPath(unknown.parent)} --help\`)`, { code: 'commander.unknownCommand' });
  }
  const group = missingCommandIn(program, process.argv.slice(2));
  if (group !== null) group.error(missingCommandMessage(group), { code: 'commander.missingCommand', exitCode: EXIT.usage });
  let action: Command = program;
  program.hook('preAction', (_program, running) => {
    action = running;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) throw err;
    // An action's usage error reads as commander's own: each problem, then the command's help.
    const problems = usageProblems(err);
    if (problems !== null) action.error(problems.map((p) => `error: ${p}`).join('\n'), { code: 'switchyard.usage', exitCode: EXIT.usage });
    throw await asStoreError(err, commandPath(action).replace(/^switchyard ?/, '') || 'switchyard');
  }
}

/**
 * The CLI's one boundary for libSQL errors: they become the store's typed errors
 * (control/store/errors.ts), so e.g. a database that was never migrated says to run
 * `switchyard db migrate` whichever command met it; a --db/LIBSQL_URL naming no database is a
 * usage error (exit 2). Loaded on failure only (startup cost).
 */
async function asStoreError(err: unknown, action: string): Promise<unknown> {
  const [{ LibsqlError }, { StoreError, toStoreError }] = await Promise.all([import('@libsql/client'), import('../store/errors.ts')]);
  if (err instanceof StoreError && err.code === 'not-found') return new UsageError(err.message, { showHelp: false, cause: err });
  return err instanceof LibsqlError ? toStoreError(action, err) : err;
}

main().catch((err: unknown) => {
  // Commander has printed its message (and help); --help ends here with 0.
  if (!(err instanceof CommanderError)) process.stderr.write(`switchyard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = exitCodeOf(err);
});
