import type { Command } from 'commander';

/** A CLI subcommand module: `commands/<name>.ts` exports `register`. */
export interface CommandModule {
  register(program: Command): void;
}
