/**
 * A small bounded LRU map: an edge isolate or a proxy serves many tenants but must not grow
 * without bound (the edge's EDGE_MAX_APPS, the proxy's remembered tokens). Map iteration order
 * is insertion order, so re-inserting on read keeps the most recently used entry last and the
 * eviction candidate first.
 *
 * With `groupOf` (an entry's tenant), eviction is max-min fair between groups: when full, the
 * group holding the most entries loses its own least recently used one. Among equally large
 * groups the one that is inserting pays (a flooding tenant's entries are always the newest, so
 * "the oldest entry goes" made a steady tenant at exactly its fair share lose an entry on every
 * flood insert, and miss on every request); otherwise the one that reached that size first.
 * When every group holds one entry it is a plain LRU. Every operation is O(1): groups are kept
 * in lists by size (an eviction used to scan every group, on the request path; the lists are
 * linked through the groups, since a Set of thousands of groups gets slow under V8 when one
 * member keeps leaving and joining it: ~40 µs an operation at 20,000, measured).
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  readonly #groupOf: ((key: K, value: V) => string) | null;
  readonly #groups = new Map<string, Group<K>>();
  readonly #groupKey = new Map<K, Group<K>>();
  /** Per size: the first and last group holding that many entries, in the order they reached it. */
  readonly #first: (Group<K> | null)[] = [];
  readonly #last: (Group<K> | null)[] = [];
  /** The largest group's size (0: no group). */
  #top = 0;

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
    const g = this.#groupKey.get(key);
    if (g !== undefined) {
      g.keys.delete(key);
      g.keys.add(key);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.#map.set(key, value);
    let group: Group<K> | null = null;
    if (this.#groupOf !== null) {
      const name = this.#groupOf(key, value);
      group = this.#groups.get(name) ?? null;
      if (group === null) this.#groups.set(name, (group = { name, keys: new Set(), prev: null, next: null }));
      this.#groupKey.set(key, group);
      group.keys.add(key);
      this.#move(group, group.keys.size - 1);
    }
    while (this.#map.size > this.#max) {
      const victim = group === null ? this.#map.keys().next().value : this.#fairVictim(group);
      if (victim === undefined) break;
      this.delete(victim);
    }
  }

  delete(key: K): void {
    if (!this.#map.delete(key)) return;
    const g = this.#groupKey.get(key);
    if (g === undefined) return;
    this.#groupKey.delete(key);
    if (!g.keys.delete(key)) return;
    if (g.keys.size === 0) this.#groups.delete(g.name);
    this.#move(g, g.keys.size + 1);
  }

  /** The value without making it the most recently used (a look that must not keep it alive). */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  clear(): void {
    this.#map.clear();
    this.#groups.clear();
    this.#groupKey.clear();
    this.#first.length = 0;
    this.#last.length = 0;
    this.#top = 0;
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** Group `g` held `from` entries and now holds `g.keys.size` (0: it is gone): move it between the size lists. */
  #move(g: Group<K>, from: number): void {
    const to = g.keys.size;
    if (from > 0) {
      if (g.prev === null) this.#first[from] = g.next;
      else g.prev.next = g.next;
      if (g.next === null) this.#last[from] = g.prev;
      else g.next.prev = g.prev;
      g.prev = g.next = null;
    }
    if (to > 0) {
      const tail = this.#last[to] ?? null;
      g.prev = tail;
      if (tail === null) this.#first[to] = g;
      else tail.next = g;
      this.#last[to] = g;
    }
    // A size changes by one at a time, so the top moves by at most one.
    if (to > this.#top) this.#top = to;
    else if (from === this.#top && (this.#first[from] ?? null) === null) this.#top = to;
  }

  /** The key to evict after `inserting` took an entry. */
  #fairVictim(inserting: Group<K>): K | undefined {
    // Every group holds one entry: the least recently used entry of all (a new tenant gets in).
    if (this.#top <= 1) return this.#map.keys().next().value;
    const g = inserting.keys.size === this.#top ? inserting : this.#first[this.#top];
    return g?.keys.values().next().value;
  }
}

/** A tenant's entries from least to most recently used, linked into the list of groups of its size. */
interface Group<K> {
  readonly name: string;
  readonly keys: Set<K>;
  prev: Group<K> | null;
  next: Group<K> | null;
}
