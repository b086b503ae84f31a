/**
 * A small bounded LRU map: an isolate serves many apps but must not grow without bound
 * (EDGE_MAX_APPS). Map iteration order is insertion order, so re-inserting on read keeps the most
 * recently used entry last and the eviction candidate first.
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LRU size must be a positive integer, got ${max}`);
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done === true) break;
      this.#map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  /** The value without making it the most recently used (a look that must not keep it alive). */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}
