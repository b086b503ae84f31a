/**
 * Why `switchyard dev` refused to start, with a stable `code` and a message that says what is in
 * the way and how to get past it. Raised before the start touches anything in the state dir.
 */
export type DevStackErrorCode =
  | 'stack-running' // another live stack holds the state dir's lock
  | 'ports-in-use'; // something already listens on one of the stack's ports

export class DevStackError extends Error {
  override readonly name = 'DevStackError';
  /** What `switchyard dev` exits with: a refusal, not a usage error (that is 2). */
  readonly exitCode = 1;

  constructor(
    readonly code: DevStackErrorCode,
    message: string,
  ) {
    super(message);
  }
}
