/**
 * Test helper: runs `switchyard …` inside the test process (runSwitchyard) and returns what
 * runCli's child process would: the exit status and the text of stdout and stderr. A child
 * costs ~1 s of Node and tsx start per case; this costs the command's own work. Commands write
 * to process.stdout/stderr and set process.exitCode, so for the length of the run those are
 * captured, and the environment and working directory are set as asked; all are restored after.
 * Runs one at a time (vitest runs a file's tests in sequence). For usage and error paths and
 * short commands: a command that starts a server is refused here — run it with runCli.
 */
import type { CliResult } from './run-cli.ts';
import { runSwitchyard } from './run-switchyard.ts';

/** The width commander wraps help at when stdout is not a terminal, as for runCli's child. */
const PIPE_HELP_WIDTH = 80;

/** A run could not be isolated: another is under way, or the command left something running. */
export class InProcessCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InProcessCliError';
  }
}

let running = false;

type Write = typeof process.stdout.write;

/** `env` entries set to undefined are removed for the run. */
export async function runCliInProcess(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  if (running) throw new InProcessCliError(`switchyard ${args.join(' ')}: another in-process run is under way; they share the process's streams`);
  running = true;
  const out: string[] = [];
  const err: string[] = [];
  const saved = {
    env: Object.fromEntries(Object.keys(options.env ?? {}).map((k) => [k, process.env[k]])),
    cwd: process.cwd(),
    exitCode: process.exitCode,
    stdoutWrite: process.stdout.write,
    stderrWrite: process.stderr.write,
  };
  const startedBefore = started();
  let result: CliResult;
  try {
    setEnv(options.env ?? {});
    // Fine in vitest's default forks pool; a worker thread refuses it (ERR_WORKER_UNSUPPORTED_OPERATION).
    if (options.cwd !== undefined) process.chdir(options.cwd);
    process.exitCode = undefined;
    process.stdout.write = capture(out);
    process.stderr.write = capture(err);
    const code = await runSwitchyard(args, {
      writeOut: (text) => out.push(text),
      writeErr: (text) => err.push(text),
      helpWidth: PIPE_HELP_WIDTH,
    });
    result = { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = saved.stdoutWrite;
    process.stderr.write = saved.stderrWrite;
    process.exitCode = saved.exitCode;
    process.chdir(saved.cwd);
    setEnv(saved.env);
    running = false;
  }
  const left = leftRunning(startedBefore, started());
  if (left !== null) throw new InProcessCliError(`switchyard ${args.join(' ')} left ${left} running in the test process; run it with runCli`);
  return result;
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** A stand-in for a stream's write that keeps the text, and calls back as a stream would. */
function capture(into: string[]): Write {
  return ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as (err?: Error | null) => void)(null));
    return true;
  }) as Write;
}

/** What a long-running command leaves behind when it starts: listening servers and signal handlers. */
function started(): { servers: number; signalHandlers: number } {
  return {
    servers: process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'PipeServerWrap').length,
    signalHandlers: process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'),
  };
}

function leftRunning(before: ReturnType<typeof started>, after: ReturnType<typeof started>): string | null {
  const left: string[] = [];
  if (after.servers > before.servers) left.push(`${after.servers - before.servers} listening server(s)`);
  if (after.signalHandlers > before.signalHandlers) left.push(`${after.signalHandlers - before.signalHandlers} signal handler(s)`);
  return left.length === 0 ? null : left.join(' and ');
}
