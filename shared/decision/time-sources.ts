/**
 * The words a term's explanation uses to say where its times came from ("observed" by the
 * aggregator, or the "policy default"), taken out. Session 49 added them to the queue term and
 * made the startup term name its own tier's source; a decision logged before says less or
 * otherwise. Comparing explanations without them (the recorded digests, replay's verify of an
 * older log) still compares every number, and no more than the sources may differ.
 */

/** A queue term's detail without the source of its wait per position or of its start-up cap. */
export function withoutQueueSources(detail: string): string {
  return detail
    .replace(/ \((?:service \d+ ms (?:observed|policy default) ÷ \d+ slots|observed queue wait)\)/, '')
    .replace(/ start (\d+) ms \((?:observed|policy default)\)$/, ' start $1 ms');
}

/** Any term's detail without its time sources (queue and startup terms; others are unchanged). */
export function withoutTimeSources(detail: string): string {
  return withoutQueueSources(detail).replace(/^(no loaded replica: (?:warm|cold) start \d+ ms) \((?:observed|policy default)\)$/, '$1');
}
