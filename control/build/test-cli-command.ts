/**
 * The one command line for a test that runs `switchyard <args>` as a child process: the built CLI,
 * `node <build>/main.mjs <args>` (as the images and systemd units run it), from the build that
 * built-cli.global.ts makes once per vitest run. Through tsx (switchyardCommand) only when a file
 * runs without that setup. Each process through tsx spent ~2 s of CPU compiling ~430 modules
 * before its first line; tests start hundreds of them.
 *
 * Tests of the source path itself (`npm start`, bin/switchyard.js, main.ts's exit status) call
 * switchyardCommand or the launcher directly.
 */
import { fileURLToPath } from 'node:url';
import { switchyardCommand } from '../cli/switchyard-command.ts';

/** Where the global setup leaves the built entry (`…/main.mjs`); inherited by test workers. */
export const BUILT_CLI_ENV = 'SY_TEST_BUILT_CLI';

const SOURCE_ENTRY = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export interface TestCliCommand {
  /** Node itself. */
  readonly command: string;
  /** What node runs: the entry and then `args`. */
  readonly args: string[];
  /** The entry script: a cluster primary's workers run it too (their command lines name it). */
  readonly entry: string;
}

/** `switchyard <args>` for a child process: from the run's build, else through tsx. */
export function testCliCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): TestCliCommand {
  const built = env[BUILT_CLI_ENV];
  if (built !== undefined && built !== '') return { command: process.execPath, args: [built, ...args], entry: built };
  return { ...switchyardCommand(args), entry: SOURCE_ENTRY };
}
