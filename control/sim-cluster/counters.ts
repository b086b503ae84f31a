/** What the replica has done since start (or the last reset), for `/metrics` and `GET /_control`. */
export interface Counters {
  /** Inference requests received (HTTP completions, WebSocket prompts, jobs). */
  requests: number;
  /** Finished normally. */
  completed: number;
  /** Refused with 429: slots and queue full. */
  rejected: number;
  /** Answered 500 by the `fail` fault. */
  failed: number;
  /** Held open by the `hang` fault. */
  hung: number;
  /** Cut by the `dieMidStream` fault. */
  died: number;
  /** Client went away before the end. */
  aborted: number;
  /** Refused with 400 (bad JSON, bad fields). */
  badRequests: number;
  promptTokens: number;
  generationTokens: number;
}

export function zeroCounters(): Counters {
  return {
    requests: 0,
    completed: 0,
    rejected: 0,
    failed: 0,
    hung: 0,
    died: 0,
    aborted: 0,
    badRequests: 0,
    promptTokens: 0,
    generationTokens: 0,
  };
}
