/**
 * What the CLI does when its own stdout or stderr cannot be written, which Node reports as an
 * 'error' event on the stream (unhandled, a stack trace and exit 1).
 *
 * While a command is still producing its result (`switchyard --help | head -3`, `simulate … >
 * /dev/full`), the result is lost either way: a reader that closed the pipe ends the process as a
 * Unix tool killed by SIGPIPE ends (status 141, nothing printed; the reader has what it wanted),
 * any other failure is one `error:` line on stderr and status 1.
 *
 * Once the command has started and handed over to its own signal handling (proxy, dev, the
 * servers: `runSwitchyard` has resolved), a lost log reader must not end it, nor skip its
 * shutdown (dev's stop reaps what it started): output that cannot be written is dropped, and a
 * failure other than a closed pipe is said once on stderr.
 */
import { errorLine } from './error-line.ts';
import { EXIT } from './exit-codes.ts';

/** The process's streams and exit, as the watch uses them (tests pass their own). */
export interface ProcessOutput {
  readonly stdout: NodeJS.EventEmitter;
  readonly stderr: NodeJS.EventEmitter & { write(text: string): unknown };
  exit(code: number): void;
}

const PROCESS: ProcessOutput = { stdout: process.stdout, stderr: process.stderr, exit: (code) => process.exit(code) };

/** `started()`: whether the command has resolved (a long-running one is then running on its own). */
export function watchOutputFailures(started: () => boolean, io: ProcessOutput = PROCESS): void {
  let said = false;
  const failed = (stream: 'stdout' | 'stderr') => (err: NodeJS.ErrnoException): void => {
    const closed = err.code === 'EPIPE';
    // Only stdout's first failure is told (on stderr): every later write fails too, if only for
    // writing to the stream the failure destroyed.
    if (stream === 'stdout' && !said) {
      said = true;
      if (!closed) io.stderr.write(errorLine(`cannot write to stdout: ${err.message}`));
    }
    if (!started()) io.exit(closed ? EXIT.outputClosed : EXIT.failed);
  };
  io.stdout.on('error', failed('stdout'));
  io.stderr.on('error', failed('stderr'));
}
