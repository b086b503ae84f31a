/**
 * A small bounded LRU map: an isolate serves many apps but must not grow without bound
 * (EDGE_MAX_APPS). Map iteration order is insertion order, so re-inserting on read keeps the most
 * recently used entry last and the eviction candidate first.
 *
 * With `groupOf` (an entry's tenant), eviction is max-min fair between groups: when full, the
 * group holding the most entries loses its own least recently used one (among equally large
 * groups, the one whose entry is the oldest). So a tenant with more apps (or keys) in use than the
 * isolate holds churns only its own entries, never a smaller tenant's.
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  readonly #groupOf: ((key: K, value: V) => string) | null;
  /** Per group: its keys from least to most recently used (only with `groupOf`). */
  readonly #groups = new Map<string, Map<K, number>>();
  readonly #groupKey = new Map<K, string>();
  #tick = 0;

  constructor(max: number, groupOf: ((key: K, value: V) => string) | null = null) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LRU size must be a positive integer, got ${max}`);
    this.#max = max;
    this.#groupOf = groupOf;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, v);
    this.#touch(key);
    return v;
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.#map.set(key, value);
    if (this.#groupOf !== null) {
      const g = this.#groupOf(key, value);
      this.#groupKey.set(key, g);
      let keys = this.#groups.get(g);
      if (keys === undefined) this.#groups.set(g, (keys = new Map()));
      keys.set(key, this.#tick++);
    }
    while (this.#map.size > this.#max) {
      const victim = this.#groupOf === null ? this.#map.keys().next().value : this.#fairVictim();
      if (victim === undefined) break;
      this.delete(victim);
    }
  }

  delete(key: K): void {
    if (!this.#map.delete(key)) return;
    const g = this.#groupKey.get(key);
    if (g === undefined) return;
    this.#groupKey.delete(key);
    const keys = this.#groups.get(g);
    keys?.delete(key);
    if (keys?.size === 0) this.#groups.delete(g);
  }

  /** The value without making it the most recently used (a look that must not keep it alive). */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  clear(): void {
    this.#map.clear();
    this.#groups.clear();
    this.#groupKey.clear();
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  #touch(key: K): void {
    const g = this.#groupKey.get(key);
    if (g === undefined) return;
    const keys = this.#groups.get(g);
    if (keys === undefined) return;
    keys.delete(key);
    keys.set(key, this.#tick++);
  }

  /** The least recently used key of the largest group (O(groups): only when full). */
  #fairVictim(): K | undefined {
    let best: Map<K, number> | undefined;
    let bestAge = Infinity;
    for (const keys of this.#groups.values()) {
      const [, age] = keys.entries().next().value as [K, number];
      if (best === undefined || keys.size > best.size || (keys.size === best.size && age < bestAge)) {
        best = keys;
        bestAge = age;
      }
    }
    return best?.keys().next().value;
  }
}
