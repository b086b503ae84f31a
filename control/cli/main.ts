/**
 * `switchyard`: the one operator command. Each subcommand lives in `commands/<name>.ts` and
 * exports `register(program)`; add yours to the command index (command-index.ts: its description
 * and how help lists it) and to the module list in run-switchyard.ts. This file is the
 * process entry: the program runs on this process's arguments and streams, and its status
 * becomes the exit code.
 */
import { watchOutputFailures } from './output-failures.ts';
import { runSwitchyard } from './run-switchyard.ts';

let started = false;
watchOutputFailures(() => started);

// Not a top-level await: a command still pending when the event loop empties would make Node
// exit 13 with an "unsettled top-level await" warning instead of the command's own status.
void runSwitchyard(process.argv.slice(2), {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
  // After the failures of the command's last writes, which Node reports on a later tick.
  setImmediate(() => (started = true));
});
