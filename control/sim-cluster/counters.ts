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
  /**
   * The engine's request-time histograms' totals (seconds and requests): the wait for a slot of
   * every request given one, and, of those that finished with it, the time they held it and
   * their whole time (wait + hold).
   */
  queueSeconds: number;
  queueCount: number;
  runSeconds: number;
  runCount: number;
  e2eSeconds: number;
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
    queueSeconds: 0,
    queueCount: 0,
    runSeconds: 0,
    runCount: 0,
    e2eSeconds: 0,
  };
}
