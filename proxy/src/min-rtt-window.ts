/**
 * A cluster's network round trip from its health checks, so that no app's server time stands in
 * for it. A health check's round trip is network + the replica's /health handling, and a real
 * engine's API server is one event loop (vLLM, SGLang): one tenant's load makes its replicas
 * answer /health late, which an average over every endpoint turned into "the cluster is far" for
 * every app on it. Every endpoint of a cluster sits at the same network distance, so:
 *
 * - per health round, the cluster's sample is its quickest answer (any idle replica shows the
 *   network alone);
 * - the value is the least sample of the rounds in the last `windowMs` (BBR's min-RTT filter), so
 *   one slow round or a GC pause of this proxy cannot raise it, while a real rise of the network
 *   shows once the window has passed (a fall shows at once).
 *
 * Not chosen: timing only the TCP connect (the kernel answers a SYN whatever the loop is doing).
 * It needs a fresh connection per endpoint and round (the checks reuse keep-alive and HTTP/2
 * connections), times whatever terminates TCP rather than the engine, takes the 1 s SYN
 * retransmit when a busy engine's accept queue is full, and still carries this proxy's own
 * loop delays, so it would need this filter anyway. What stays: a cluster whose every replica
 * is busy for the whole window still reads long (its apps' own terms show that load too).
 */

export interface WindowedRtt {
  readonly ms: number;
  /** Health answers behind the value: those of the rounds in the window. */
  readonly samples: number;
}

interface Round {
  readonly at: number;
  readonly ms: number;
  readonly answers: number;
}

/** 30 s: 15 rounds at the default 2 s interval, yet a real rise shows well inside the edge's freshness bound. */
const MIN_WINDOW_MS = 30_000;
/** Longer health intervals still keep this many rounds in the window. */
const MIN_ROUNDS = 5;

export function rttWindowMs(healthCheckIntervalMs: number): number {
  return Math.max(MIN_WINDOW_MS, MIN_ROUNDS * healthCheckIntervalMs);
}

export class MinRttWindow {
  private rounds: Round[] = [];

  constructor(private readonly windowMs: number) {}

  /** One health round of the cluster: the round trips (ms) of the endpoints that answered 2xx. */
  addRound(at: number, answersMs: readonly number[]): void {
    if (answersMs.length === 0) return;
    let ms = Infinity;
    for (const a of answersMs) ms = Math.min(ms, a);
    this.rounds.push({ at, ms, answers: answersMs.length });
    this.expire(at);
  }

  /** Null before any answer. */
  current(now: number): WindowedRtt | null {
    this.expire(now);
    if (this.rounds.length === 0) return null;
    let ms = Infinity;
    let samples = 0;
    for (const r of this.rounds) {
      ms = Math.min(ms, r.ms);
      samples += r.answers;
    }
    return { ms, samples };
  }

  /** The newest round always stays: while no endpoint answers, the last measured RTT still stands (health says the rest). */
  private expire(now: number): void {
    let drop = 0;
    while (drop < this.rounds.length - 1 && now - (this.rounds[drop]?.at ?? now) > this.windowMs) drop += 1;
    if (drop > 0) this.rounds = this.rounds.slice(drop);
  }
}
