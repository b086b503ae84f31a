/**
 * `switchyard`: the one operator command. Each subcommand lives in `commands/<name>.ts` and
 * exports `register(program)`; add yours to the command index (command-index.ts: its description
 * and how help lists it) and to the module list in run-switchyard.ts. This file is the
 * process entry: the program runs on this process's arguments and streams, and its status
 * becomes the exit code.
 */
import { constants } from 'node:os';
import { runSwitchyard } from './run-switchyard.ts';

// A reader that stops early (`switchyard --help | head -3`) closes the pipe, and the next write
// fails with EPIPE: Node reported that as an unhandled 'error' event with a stack trace. Exit as a
// Unix tool killed by SIGPIPE does (status 141, nothing printed): the reader has what it wanted.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(128 + constants.signals.SIGPIPE);
  });
}

// Not a top-level await: a command still pending when the event loop empties would make Node
// exit 13 with an "unsettled top-level await" warning instead of the command's own status.
void runSwitchyard(process.argv.slice(2), {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
