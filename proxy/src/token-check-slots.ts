/**
 * How many of one client's unknown tokens have their signatures checked at once. The failure
 * budget (token-failure-throttle.ts) charges a client when a check fails, but a burst of forged
 * tokens sent together are all checked before the first failure lands: 1,000 at once cost 1,000
 * Ed25519 checks, CPU every tenant shares. With a few slots per client, the rest of a burst waits
 * (first come, first served) and each waiter asks the budget again when its turn comes, so a
 * forged burst costs about the budget plus the slots, and an honest burst (many clients behind one
 * address, each with a fresh token) is only queued for a few checks' time (~0.1 ms each).
 *
 * Bounded: a client with `maxWaiting` waiters is refused outright (it already holds that many open
 * requests); entries exist only while a check runs or waits. Pure bookkeeping: no timers, no I/O.
 */

/** Checks per client at once: the size of libuv's default thread pool, where the checks run. */
export const CHECK_SLOTS_PER_CLIENT = 4;
/** Waiters per client before further tokens are refused. */
export const CHECK_WAITERS_PER_CLIENT = 1024;

interface Entry {
  running: number;
  readonly waiting: Array<() => void>;
}

export class TokenCheckSlots {
  readonly #clients = new Map<string, Entry>();

  constructor(
    readonly slots = CHECK_SLOTS_PER_CLIENT,
    readonly maxWaiting = CHECK_WAITERS_PER_CLIENT,
  ) {}

  /** Clients with a check running or waiting (tests, the memory bound). */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * 'now': a slot is the caller's (it must `release` it); a promise: resolved when a slot has been
   * handed to the caller; 'full': too many of this client's checks already wait.
   */
  take(client: string): 'now' | 'full' | Promise<void> {
    let e = this.#clients.get(client);
    if (e === undefined) {
      e = { running: 0, waiting: [] };
      this.#clients.set(client, e);
    }
    if (e.running < this.slots) {
      e.running++;
      return 'now';
    }
    if (e.waiting.length >= this.maxWaiting) return 'full';
    const waiting = e.waiting;
    return new Promise<void>((resolve) => waiting.push(resolve));
  }

  /** The caller's check is done: its slot goes to the client's first waiter, if any. */
  release(client: string): void {
    const e = this.#clients.get(client);
    if (e === undefined) return;
    const next = e.waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    e.running = Math.max(0, e.running - 1);
    if (e.running === 0) this.#clients.delete(client);
  }
}
