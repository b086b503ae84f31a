/**
 * The CLI's exit statuses, one table for every command (documented in `switchyard --help` and
 * control/README.md), and the one mapping from a thrown error to its status.
 */
import { CommanderError } from 'commander';
import { BacktestError } from '../../backtest/errors.ts';

export const EXIT = {
  /** The command ran and failed: the database, a file, a state it found (its message says which). */
  failed: 1,
  /** A usage error, as in POSIX tools: unknown or missing command, option or argument, or a value no command can take. */
  usage: 2,
  /** A gate said no: `canary promote` refused, `replay` found hard-constraint violations. */
  refused: 3,
  /** The reader of the output closed it before the command was done (`… | head`): 128 + SIGPIPE, as a Unix tool killed by it. */
  outputClosed: 141,
} as const;

/** Printed under `switchyard --help`. */
export const EXIT_CODES_HELP = `
Exit status:
  0  success
  ${EXIT.failed}  the command failed (database unreachable, unmigrated or missing a row; a file it cannot use; a rollout in the wrong state)
  ${EXIT.usage}  usage error: unknown or missing command, option or argument, an invalid value, or --db/LIBSQL_URL naming no database or one libSQL cannot open
  ${EXIT.refused}  refused by a gate: \`canary promote\` will not promote, \`replay\` found hard-constraint violations
  ${EXIT.outputClosed}  the output's reader closed it before the command was done (\`switchyard … | head\`), as for SIGPIPE`;

/**
 * A usage error an action finds (a value no option parser could judge alone, options that exclude
 * each other, every invalid flag of a group at once). main prints each problem and, unless
 * `showHelp` is false (a --db naming no database: the help would bury the one line that matters),
 * the command's help, and exits 2.
 */
export class UsageError extends Error {
  readonly problems: readonly string[];
  readonly showHelp: boolean;

  constructor(
    problems: string | readonly string[],
    options: { showHelp?: boolean; cause?: unknown } = {},
  ) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('; '), { cause: options.cause });
    this.name = 'UsageError';
    this.problems = list;
    this.showHelp = options.showHelp ?? true;
  }
}

/**
 * The problems of a usage error to print with the command's help, or null. A BacktestError
 * 'bad-option' is one by its definition.
 */
export function usageProblems(err: unknown): readonly string[] | null {
  if (err instanceof UsageError) return err.showHelp ? err.problems : null;
  if (err instanceof BacktestError && err.code === 'bad-option') return [err.message];
  return null;
}

/** The exit status for an error that reached main (Commander has printed its own message). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT.usage;
  return err instanceof UsageError || usageProblems(err) !== null ? EXIT.usage : EXIT.failed;
}
