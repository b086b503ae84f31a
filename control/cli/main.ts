/**
 * `switchyard`: the one operator command. Each subcommand lives in `commands/<name>.ts` and
 * exports `register(program)`; add yours to the command index (command-index.ts: its description
 * and how help lists it) and to the module list in run-switchyard.ts. This file is the
 * process entry: the program runs on this process's arguments and streams, and its status
 * becomes the exit code.
 */
import { constants } from 'node:os';
import { errorLine } from './error-line.ts';
import { runSwitchyard } from './run-switchyard.ts';

/**
 * A failed write to the process's own output, which Node reported as an unhandled 'error' event
 * with a stack trace. A reader that stops early (`switchyard --help | head -3`) closes the pipe:
 * exit as a Unix tool killed by SIGPIPE does (status 141, nothing printed), the reader has what it
 * wanted. Any other failure (`> /dev/full`: ENOSPC) is said in one line on stderr, status 1.
 */
function outputFailed(stream: 'stdout' | 'stderr') {
  return (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') process.exit(128 + constants.signals.SIGPIPE);
    if (stream === 'stdout') process.stderr.write(errorLine(`cannot write to stdout: ${err.message}`));
    process.exit(1);
  };
}
process.stdout.on('error', outputFailed('stdout'));
process.stderr.on('error', outputFailed('stderr'));

// Not a top-level await: a command still pending when the event loop empties would make Node
// exit 13 with an "unsettled top-level await" warning instead of the command's own status.
void runSwitchyard(process.argv.slice(2), {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
