/**
 * Builds and runs the `switchyard` program for one command line and resolves to its exit status.
 * main.ts calls it with the process's arguments and streams; tests call it in-process
 * (run-cli-in-process.ts) so each case does not pay for a Node process of its own.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { type CommandName, registerCommandIndex } from './command-index.ts';
import type { CommandModule } from './command-module.ts';
import { errorLine, errorText } from './error-line.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeOf, UsageError, usageProblems } from './exit-codes.ts';
import { checkRequiredOptionsLast } from './required-options-checked-last.ts';
import { commandPath, missingCommandIn, missingCommandMessage, unknownCommandIn } from './unknown-command.ts';

/** Each module registers the one top-level command it is named after (every command of the index, no other). */
const modules: Record<CommandName, () => Promise<CommandModule>> = {
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
 * The module to load: the named command's when the first word (or the one after `help`) names
 * one, else none: the program's help, its version, no command and an unknown one are
 * answered from the command index (command-index.ts). Loading all seventeen (libSQL client,
 * charts, servers) cost ~1.3 s of CPU under tsx, and ~0.5 s of a built `switchyard --help`.
 */
export function modulesFor(args: readonly string[]): Array<() => Promise<CommandModule>> {
  // The program's options (help, version, `--`) come before the command's name, if anything does.
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(modules, name) ? [modules[name as CommandName]] : [];
}

/** Every command module (the command index's test registers them all). */
export function allCommandModules(): Array<() => Promise<CommandModule>> {
  return Object.values(modules);
}

/**
 * Where commander writes (help, usage errors) and where the last-resort error line goes. Commands
 * themselves write to process.stdout/stderr and report a status other than 0 in process.exitCode.
 */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** The width help wraps at; when absent, commander's default (a terminal's width, else 80). */
  helpWidth?: number;
}

/**
 * Runs `switchyard <args>` (the words after the program name). Resolves to the exit status: the
 * mapped status of an error that ended the command (its message printed first), else whatever
 * status the command set in process.exitCode, else 0. A long-running command resolves once it
 * has started; its signal handlers decide how the process ends.
 */
export async function runSwitchyard(args: readonly string[], output: CliOutput): Promise<number> {
  try {
    await parseAndRun(args, output);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    // Commander has printed its message (and help); --help ends here with 0.
    if (!(err instanceof CommanderError)) output.writeErr(errorLine(err instanceof Error ? err.message : String(err)));
    return exitCodeOf(err);
  }
}

async function parseAndRun(args: readonly string[], output: CliOutput): Promise<void> {
  const program = newProgram(output);
  const loads = modulesFor(args);
  if (loads.length === 0) registerCommandIndex(program);
  for (const load of loads) (await load()).register(program);
  checkRequiredOptionsLast(program);
  const unknown = unknownCommandIn(program, args);
  if (unknown !== null) {
    unknown.parent.error(errorText(`unknown command '${unknown.path}' (see \`${commandPath(unknown.parent)} --help\`)`), { code: 'commander.unknownCommand' });
  }
  const group = missingCommandIn(program, args);
  if (group !== null) group.error(missingCommandMessage(group), { code: 'commander.missingCommand', exitCode: EXIT.usage });
  let action: Command = program;
  program.hook('preAction', (_program, running) => {
    action = running;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw err;
    // An action's usage error reads as commander's own: each problem, then the command's help.
    const problems = usageProblems(err);
    if (problems !== null) action.error(problems.map((p) => errorText(p)).join('\n'), { code: 'switchyard.usage', exitCode: EXIT.usage });
    throw await asStoreError(err, commandPath(action).replace(/^switchyard ?/, '') || 'switchyard');
  }
}

/** The `switchyard` program with its own options and help, before any command is added. */
export function newProgram(output: CliOutput): Command {
  const width = output.helpWidth;
  return new Command('switchyard')
    // Before any subcommand is added: `.command()` copies the output settings into each one.
    .configureOutput({
      writeOut: (text) => output.writeOut(text),
      writeErr: (text) => output.writeErr(text),
      ...(width === undefined ? {} : { getOutHelpWidth: () => width, getErrHelpWidth: () => width }),
    })
    .description('Switchyard: global request router for GPU and AI inference workloads')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .enablePositionalOptions()
    // Commander's usage errors throw (every subcommand inherits this) so runSwitchyard decides the exit code.
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
}

/**
 * The CLI's one boundary for libSQL errors: they become the store's typed errors
 * (control/store/errors.ts), so e.g. a database that was never migrated says to run
 * `switchyard db migrate` whichever command met it, and a server that could not be reached is
 * named with the reason (a store the command used without the store's guard, e.g. the proxy's).
 * A --db/LIBSQL_URL naming no database, or none libSQL can open, is a usage error (exit 2).
 * Loaded on failure only (startup cost).
 */
async function asStoreError(err: unknown, action: string): Promise<unknown> {
  const [{ isLibsqlError, StoreError, toStoreError }, { DatabaseUnreachableError }] = await Promise.all([
    import('../store/errors.ts'),
    import('../../shared/errors/database-unreachable.ts'),
  ]);
  const typed = isLibsqlError(err) || err instanceof DatabaseUnreachableError ? toStoreError(action, err) : err;
  if (typed instanceof StoreError && (typed.code === 'not-found' || typed.code === 'invalid-url')) return new UsageError(typed.message, { showHelp: false, cause: typed });
  return typed;
}

/** The checkout's version (package.json), for `switchyard --version`. */
function packageVersion(): string {
  const pkg: unknown = createRequire(import.meta.url)('../../package.json');
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
