/**
 * The approximate prefix index: per replica, an LRU of the block hashes we routed to it,
 * standing in for what its KV cache holds (as in the Gateway API Inference Extension's
 * prefix-cache plugin and SGLang's cache-aware router). Approximate because the engine
 * evicts on its own schedule; sized from the engine's KV capacity so our LRU forgets about
 * as fast as the engine does. Plain data, no I/O.
 */

export class PrefixIndex {
  /** Insertion order is recency: a touched hash is deleted and re-set at the end. */
  private readonly lru = new Map<string, Map<number, true>>();
  private readonly capacity = new Map<string, number>();

  constructor(private readonly defaultCapacity: number) {}

  /** Blocks replica `id` can hold (from its reported KV capacity), shrinking its LRU if needed. */
  setCapacity(id: string, blocks: number): void {
    this.capacity.set(id, Math.max(1, Math.floor(blocks)));
    this.evict(id);
  }

  capacityOf(id: string): number {
    return this.capacity.get(id) ?? this.defaultCapacity;
  }

  /** How many leading blocks of `hashes` replica `id` is believed to hold. */
  matched(id: string, hashes: readonly number[]): number {
    const set = this.lru.get(id);
    if (set === undefined) return 0;
    let i = 0;
    while (i < hashes.length && set.has(hashes[i] as number)) i++;
    return i;
  }

  /** The request was sent to `id`: its blocks are now the freshest there. */
  record(id: string, hashes: readonly number[]): void {
    let set = this.lru.get(id);
    if (set === undefined) {
      set = new Map();
      this.lru.set(id, set);
    }
    for (const h of hashes) {
      set.delete(h);
      set.set(h, true);
    }
    this.evict(id);
  }

  /** Forget a replica (it left the pool). */
  drop(id: string): void {
    this.lru.delete(id);
    this.capacity.delete(id);
  }

  size(id: string): number {
    return this.lru.get(id)?.size ?? 0;
  }

  private evict(id: string): void {
    const set = this.lru.get(id);
    if (set === undefined) return;
    const cap = this.capacityOf(id);
    if (set.size <= cap) return;
    let excess = set.size - cap;
    for (const h of set.keys()) {
      if (excess-- <= 0) break;
      set.delete(h);
    }
  }
}
