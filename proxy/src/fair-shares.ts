/**
 * One bounded queue shared by many keys (apps), filled max-min fairly: a key may add an item only
 * while it holds fewer than `capacity / (holders + 1)` (itself counted among the holders) and the
 * queue has room. So one busy key alone takes at most half, two at most a third each, and a key
 * that arrives while others fill the queue still finds room — one tenant's burst never crowds
 * another out of what the queue is for. No I/O; the caller says when items leave (`remove`).
 */
export class FairShares {
  readonly #held = new Map<string, number>();
  #total = 0;

  constructor(readonly capacity: number) {}

  /** Items queued now, all keys together. */
  get total(): number {
    return this.#total;
  }

  heldBy(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  /** True (and counted) when `key` may add one more item now. */
  tryAdd(key: string): boolean {
    const mine = this.#held.get(key) ?? 0;
    const holders = this.#held.size + (mine === 0 ? 1 : 0);
    if (this.#total >= this.capacity || mine >= this.capacity / (holders + 1)) return false;
    this.#held.set(key, mine + 1);
    this.#total += 1;
    return true;
  }

  /** One item of `key` left the queue. */
  remove(key: string): void {
    const mine = this.#held.get(key);
    if (mine === undefined) return;
    if (mine <= 1) this.#held.delete(key);
    else this.#held.set(key, mine - 1);
    this.#total -= 1;
  }
}
