/**
 * The shape every typed error of ours shares: a stable machine-readable `code` (what callers
 * branch on and what a client sees), the HTTP `status` it answers with, and a message that says
 * what to do. Subclasses narrow the code to their own union and set `name` for logs.
 */
export abstract class CodedError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
