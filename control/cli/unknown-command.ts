/**
 * Finds an unknown or a missing command name in the arguments before commander parses them.
 * Commander honours `--help` before it notices an unknown command (`switchyard nosuch --help`
 * printed the help and exited 0), and a bare group (`switchyard db`) printed its help with no
 * word of what was wrong; so the walk is done here, through the registered command tree, first.
 */
import type { Command } from 'commander';
import { errorText } from './error-line.ts';

export interface UnknownCommand {
  /** The command whose subcommands the name was looked up among (the program for a top-level one). */
  readonly parent: Command;
  /** Names from the program down to the unknown one, e.g. `canary nosuch`. */
  readonly path: string;
}

/** The command the words of `args` lead to, and the first word that names no subcommand, if any. */
function walk(
  program: Command,
  args: readonly string[],
): { at: Command; unknown: UnknownCommand | null } {
  let at = program;
  const names: string[] = [];
  for (const arg of args) {
    // Options end the command words; a command without subcommands takes the rest as its own.
    if (arg.startsWith('-') || at.commands.length === 0) break;
    if (arg === 'help') continue; // `switchyard help canary` names the command to explain
    const next = at.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    names.push(arg);
    if (next === undefined) return { at, unknown: { parent: at, path: names.join(' ') } };
    at = next;
  }
  return { at, unknown: null };
}

/** The first command word in `args` (argv without node and script) that names no subcommand, or null. */
export function unknownCommandIn(program: Command, args: readonly string[]): UnknownCommand | null {
  return walk(program, args).unknown;
}

/**
 * The command group `args` stop at without naming one of its subcommands (`switchyard db`,
 * `switchyard rollout --db x`), or null. Asking for help is not a missing command.
 */
export function missingCommandIn(program: Command, args: readonly string[]): Command | null {
  if (args.some((a) => a === 'help' || a === '--help' || a === '-h' || a === '--version' || a === '-V')) return null;
  const { at, unknown } = walk(program, args);
  // `switchyard --bogus`: the program takes no options but help and version, so the option is
  // what to fix (commander names it). A group's (`rollout --db x`) may belong to its subcommands.
  const programOption = at === program && args.some((a) => a.startsWith('-'));
  return unknown === null && at.commands.length > 0 && !programOption ? at : null;
}

/** `error: … needs a command: migrate, prune (see …)`, naming the group's subcommands. */
export function missingCommandMessage(group: Command): string {
  const names = group.commands.map((c) => c.name()).filter((n) => n !== 'help');
  return errorText(`\`${commandPath(group)}\` needs a command: ${names.join(', ')} (see \`${commandPath(group)} --help\`)`);
}

/** The `switchyard …` words naming `cmd`, for messages such as "see `switchyard canary --help`". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
