/**
 * Finds an unknown command name in the arguments before commander parses them. Commander honours
 * `--help` before it notices an unknown command (`switchyard nosuch --help` printed the help and
 * exited 0), so the walk is done here, through the registered command tree, first.
 */
import type { Command } from 'commander';

export interface UnknownCommand {
  /** The command whose subcommands the name was looked up among (the program for a top-level one). */
  readonly parent: Command;
  /** Names from the program down to the unknown one, e.g. `canary nosuch`. */
  readonly path: string;
}

/** The first command word in `args` (argv without node and script) that names no subcommand, or null. */
export function unknownCommandIn(program: Command, args: readonly string[]): UnknownCommand | null {
  let at = program;
  const names: string[] = [];
  for (const arg of args) {
    // Options end the command words; a command without subcommands takes the rest as its own.
    if (arg.startsWith('-') || at.commands.length === 0) return null;
    if (arg === 'help') continue; // `switchyard help canary` names the command to explain
    const next = at.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    names.push(arg);
    if (next === undefined) return { parent: at, path: names.join(' ') };
    at = next;
  }
  return null;
}

/** The `switchyard …` words naming `cmd`, for messages such as "see `switchyard canary --help`". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
