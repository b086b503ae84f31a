/**
 * Every failure of the replay and simulator tools, as one typed error with a
 * stable `code` and a message that says what to fix (file, line, path, variable).
 */
export type BacktestErrorCode =
  | 'bad-record' // a decision record (DB row or NDJSON line) cannot be read back
  | 'policy-file' // the --policy env file has invalid lines or values
  | 'scenario-invalid' // a simulator scenario failed validation
  | 'input-read' // an input file or database could not be read
  | 'output-write' // an output file (an NDJSON export) could not be written
  | 'no-decisions' // the selection (--app, --since) matched no decision record
  | 'unknown-app' // --app names an app the log holds no decision of, at any time, and no config knows
  | 'bad-option'; // a CLI option has an unusable value

export class BacktestError extends Error {
  override readonly name = 'BacktestError';
  constructor(
    readonly code: BacktestErrorCode,
    message: string,
    /** Every individual problem, when there are several (policy, scenario). */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
