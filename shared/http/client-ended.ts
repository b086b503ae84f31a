/**
 * Outcome `error` values that say the client ended the answer, never the replica: it closed the
 * connection, or stopped reading until the proxy's idle timer cut it (`client-stalled`: the
 * replica was paused for the client, not silent). The one rule for every reader of outcomes
 * (tracing, the rollout gate's cut count), so a client's doing never counts as a cut answer.
 */
export const CLIENT_CLOSED = 'client-closed';
export const CLIENT_STALLED = 'client-stalled';

export function endedByClient(error: string | null): boolean {
  return error === CLIENT_CLOSED || error === CLIENT_STALLED;
}
