/** Typed errors of rollout operations: a stable code and a message an operator can act on. */
export type RolloutErrorCode =
  | 'ROLLOUT_INVALID' // bad flags: steps, versions, region rule
  | 'ROLLOUT_NOT_FOUND' // no rollout for the app
  | 'ROLLOUT_ACTIVE' // a running or paused rollout already exists
  | 'ROLLOUT_STATE' // the operation does not apply in the rollout's status
  | 'ROLLOUT_CONFLICT'; // the row changed between read and write

export class RolloutError extends Error {
  override readonly name = 'RolloutError';
  constructor(
    readonly code: RolloutErrorCode,
    message: string,
  ) {
    super(message);
  }
}
