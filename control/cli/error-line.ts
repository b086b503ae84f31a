/**
 * The one shape of an error the CLI prints on stderr: `error: <message>`, the prefix commander
 * puts on its own usage errors, so a failure reads and greps the same whichever command or layer
 * found it (commander, an action's usage error, the last-resort boundary in run-switchyard.ts, a
 * command reporting its own). A stable code, where the error has one (rollout's ROLLOUT_*),
 * follows the message in brackets.
 */

/** `error: <message>[ [CODE]]`, without the newline: what commander's `.error()` takes. */
export function errorText(message: string, code?: string): string {
  return `error: ${message}${code === undefined ? '' : ` [${code}]`}`;
}

/** `errorText` as a line to write to stderr. */
export function errorLine(message: string, code?: string): string {
  return `${errorText(message, code)}\n`;
}
