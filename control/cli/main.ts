/**
 * `switchyard`: the one operator command. Each subcommand lives in `commands/<name>.ts` and
 * exports `register(program)`; add yours to the list in run-switchyard.ts. This file is the
 * process entry: the program runs on this process's arguments and streams, and its status
 * becomes the exit code.
 */
import { runSwitchyard } from './run-switchyard.ts';

// Not a top-level await: a command still pending when the event loop empties would make Node
// exit 13 with an "unsettled top-level await" warning instead of the command's own status.
void runSwitchyard(process.argv.slice(2), {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
