/**
 * Test helper: runs `switchyard …` as a real child process (`switchyardCommand`) and returns its exit
 * code and output, so CLI tests check what an operator sees, exit status included. A case that
 * needs no process of its own (no signal, no server) uses runCliInProcess instead: the same result
 * without ~1 s of Node and tsx start.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { switchyardCommand } from './switchyard-command.ts';

const run = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `env` entries set to undefined are removed from the child's environment. A child still running
 * after `timeoutMs` (default 30 s) is killed and reported with code -1, so a hang fails the test.
 */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  try {
    const cli = switchyardCommand(args);
    const { stdout, stderr } = await run(cli.command, cli.args, { env, timeout: options.timeoutMs ?? 30_000, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
