/**
 * The one rule for writing records to a database that may be down (issue 12 #4), used by the
 * edge's decision log and the proxy's outcome reporter. Pure state: callers own the clock, the
 * randomness, the timers and the actual write.
 *
 *  * bounded: beyond `max` buffered records a new record is dropped (O(1), never a copy) and
 *    counted — memory cannot grow with the length of an outage;
 *  * one write in flight at a time, at most `batch` records each;
 *  * after a failed write the records go back (still bounded) and nothing is written until a
 *    backoff with jitter has passed, doubling per consecutive failure up to `maxBackoffMs` — an
 *    outage costs one attempt per backoff period, not one per new record.
 *
 * With a `key` (the tenant), a full buffer drops from the key with the most records buffered, not
 * whatever arrives next: one tenant's burst then loses its own records first, not other tenants'.
 * And a write takes the keys' records in turn, not in arrival order: a tenant's backlog never
 * delays another's records by more than a batch. A push costs O(1) amortised whatever the number
 * of keys (the push is on the request path); a write O(batch).
 */
export interface WriteBufferOptions<T = unknown> {
  /** Records kept while writes fail; beyond this new records are dropped (and counted). */
  readonly max: number;
  /** Records per write. */
  readonly batch: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Fair dropping by this key (e.g. the app id); absent: a full buffer drops the arriving record. */
  readonly key?: (row: T) => string;
}

export interface WriteBufferStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** Drops per key (with a `key` option only); at most MAX_DROP_KEYS keys, the rest under `*`. */
  readonly droppedByKey?: Readonly<Record<string, number>>;
}

const MAX_DROP_KEYS = 32;

/** Delay before the next attempt after `failures` consecutive failures: exponential, jittered to [½, 1]×. */
export function backoffDelay(failures: number, o: Pick<WriteBufferOptions, 'baseBackoffMs' | 'maxBackoffMs'>, random: number): number {
  const ceiling = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
}

/** A buffered record and its key ('' without a `key` option); null once written or dropped. */
type Slot<T> = { readonly row: T; readonly key: string } | null;

/** One key's buffered records: their slot numbers, oldest first from `head` (a deque). */
interface KeyRows {
  readonly at: number[];
  head: number;
}

/** Slots wasted (written or dropped) before the array is compacted, at least. */
const COMPACT_AFTER = 1_024;

export class WriteBuffer<T> {
  readonly #o: WriteBufferOptions<T>;
  /**
   * Records in arrival order. Written and dropped ones leave a null (compacted once they
   * outnumber the live ones), so dropping a key's newest record costs O(1), not a scan and a copy.
   */
  #slots: Slot<T>[] = [];
  /** The first slot not yet handed out. */
  #first = 0;
  #live = 0;
  /** With a `key`: each key's records, and the keys by how many they hold (the heaviest in O(1)). */
  readonly #byKey = new Map<string, KeyRows>();
  readonly #byCount = new Map<number, Set<string>>();
  #maxCount = 0;
  readonly #droppedByKey = new Map<string, number>();
  #inFlight = false;
  #nextAttemptAt = 0;
  #written = 0;
  #dropped = 0;
  #failures = 0;
  #consecutive = 0;

  constructor(options: WriteBufferOptions<T>) {
    if (!(options.max >= options.batch && options.batch >= 1)) throw new RangeError('WriteBuffer: need max >= batch >= 1');
    this.#o = options;
  }

  get size(): number {
    return this.#live;
  }

  get inFlight(): boolean {
    return this.#inFlight;
  }

  /** When the next write may start (0: now); later than now while backing off. */
  get nextAttemptAt(): number {
    return this.#nextAttemptAt;
  }

  /** Buffers a record; false when it was dropped because the buffer is full. O(1) amortised. */
  push(row: T): boolean {
    const k = this.#keyOf(row);
    if (this.#live >= this.#o.max) {
      if (this.#o.key === undefined) {
        this.#dropped++;
        return false;
      }
      const heaviest = this.#heaviest();
      if (heaviest === null || this.#count(k) >= this.#maxCount) {
        this.#countDrop(k);
        return false;
      }
      this.#evictNewest(heaviest);
    }
    this.#append(row, k);
    this.#compactIfWasteful();
    return true;
  }

  /** A full batch is waiting (callers write at once then, and otherwise on a timer). */
  get batchReady(): boolean {
    return this.#live >= this.#o.batch;
  }

  /**
   * The records to write now, or null: nothing buffered, a write in flight, or backing off. The
   * caller must report the result with `succeeded` or `failed`.
   */
  begin(now: number): T[] | null {
    if (this.#inFlight || this.#live === 0 || now < this.#nextAttemptAt) return null;
    this.#inFlight = true;
    const rows = this.#o.key === undefined ? this.#takeInOrder() : this.#takeInTurn();
    this.#compactIfWasteful();
    return rows;
  }

  /** Without a key: the oldest records. */
  #takeInOrder(): T[] {
    const rows: T[] = [];
    while (rows.length < this.#o.batch && this.#first < this.#slots.length) {
      const slot = this.#slots[this.#first];
      this.#slots[this.#first++] = null;
      if (slot === null || slot === undefined) continue;
      rows.push(slot.row);
      this.#live--;
    }
    return rows;
  }

  /**
   * With a key: one record of each key in turn, each key's oldest first. In arrival order, a key
   * with a backlog (one tenant's burst while the database is slow) made every other key's records
   * wait behind all of it. A key still holding records moves to the back of `#byKey`, which this
   * loop then reaches again (a Map's iteration visits entries added during it); so the next batch
   * also starts where this one stopped.
   */
  #takeInTurn(): T[] {
    const rows: T[] = [];
    for (const [k, r] of this.#byKey) {
      if (rows.length >= this.#o.batch) break;
      const at = r.at[r.head];
      const slot = at === undefined ? null : this.#slots[at];
      if (at === undefined || slot === null || slot === undefined) break; // unreachable: a key in the map holds a record
      this.#slots[at] = null;
      rows.push(slot.row);
      this.#live--;
      this.#takeOldest(k);
      if (this.#byKey.has(k)) {
        this.#byKey.delete(k);
        this.#byKey.set(k, r);
      }
    }
    while (this.#first < this.#slots.length && this.#slots[this.#first] === null) this.#first++;
    return rows;
  }

  succeeded(rows: readonly T[]): void {
    this.#inFlight = false;
    this.#written += rows.length;
    this.#consecutive = 0;
    this.#nextAttemptAt = 0;
  }

  /** Puts the records back (the newest beyond `max` are dropped) and backs off; returns the delay. */
  failed(rows: readonly T[], now: number, random: number): number {
    this.#inFlight = false;
    this.#failures++;
    this.#consecutive++;
    const kept = [...rows.map((row) => ({ row, key: this.#keyOf(row) })), ...this.#liveSlots()];
    if (this.#o.key === undefined && kept.length > this.#o.max) {
      this.#dropped += kept.length - this.#o.max;
      kept.length = this.#o.max;
    }
    this.#rebuild(kept);
    while (this.#live > this.#o.max) {
      const heaviest = this.#heaviest();
      if (heaviest === null) break;
      this.#evictNewest(heaviest);
    }
    return this.#backOff(now, random);
  }

  /** Ends a backoff now (a drain's last write): the next `begin` may start at once. */
  retryNow(): void {
    this.#nextAttemptAt = 0;
  }

  /** A related write to the same store failed (e.g. a health row): back off all the same. */
  noteFailure(now: number, random: number): number {
    this.#failures++;
    this.#consecutive++;
    return this.#backOff(now, random);
  }

  #backOff(now: number, random: number): number {
    const delay = backoffDelay(this.#consecutive, this.#o, random);
    this.#nextAttemptAt = now + delay;
    return delay;
  }

  stats(): WriteBufferStats {
    const s = { buffered: this.#live, written: this.#written, dropped: this.#dropped, failures: this.#failures, consecutiveFailures: this.#consecutive };
    return this.#o.key === undefined ? s : { ...s, droppedByKey: Object.fromEntries(this.#droppedByKey) };
  }

  /** The same function everywhere: one key per row whatever the key function returns. */
  #keyOf(row: T): string {
    return this.#o.key === undefined ? '' : this.#o.key(row);
  }

  #count(k: string): number {
    const r = this.#byKey.get(k);
    return r === undefined ? 0 : r.at.length - r.head;
  }

  /** A key holding the most records (of several, the first to reach that count), or null. */
  #heaviest(): string | null {
    const keys = this.#byCount.get(this.#maxCount);
    if (keys === undefined) return null;
    for (const k of keys) return k;
    return null;
  }

  #append(row: T, k: string): void {
    const at = this.#slots.length;
    this.#slots.push({ row, key: k });
    this.#live++;
    if (this.#o.key === undefined) return;
    let r = this.#byKey.get(k);
    if (r === undefined) this.#byKey.set(k, (r = { at: [], head: 0 }));
    r.at.push(at);
    this.#moved(k, r.at.length - r.head - 1, r.at.length - r.head);
  }

  /** Drops the newest record of `k`. */
  #evictNewest(k: string): void {
    const r = this.#byKey.get(k);
    const at = r?.at.pop();
    if (r === undefined || at === undefined) return;
    this.#slots[at] = null;
    this.#live--;
    this.#forgetIfEmpty(k, r);
    this.#countDrop(k);
  }

  #takeOldest(k: string): void {
    const r = this.#byKey.get(k);
    if (r === undefined) return;
    r.head++;
    this.#forgetIfEmpty(k, r);
  }

  /** `k` lost one record: re-file it by its count, and drop it once it holds none. */
  #forgetIfEmpty(k: string, r: KeyRows): void {
    const n = r.at.length - r.head;
    this.#moved(k, n + 1, n);
    if (n === 0) this.#byKey.delete(k);
  }

  /** Re-files `k` from count `from` to `to` (they differ by one, so the maximum moves by one too). */
  #moved(k: string, from: number, to: number): void {
    const old = this.#byCount.get(from);
    old?.delete(k);
    if (old !== undefined && old.size === 0) {
      this.#byCount.delete(from);
      if (from === this.#maxCount) this.#maxCount = to;
    }
    if (to > 0) {
      let keys = this.#byCount.get(to);
      if (keys === undefined) this.#byCount.set(to, (keys = new Set()));
      keys.add(k);
    }
    if (to > this.#maxCount) this.#maxCount = to;
  }

  #liveSlots(): Array<{ row: T; key: string }> {
    const out: Array<{ row: T; key: string }> = [];
    for (let i = this.#first; i < this.#slots.length; i++) {
      const slot = this.#slots[i];
      if (slot !== null && slot !== undefined) out.push(slot);
    }
    return out;
  }

  /** Once most slots are spent, copies the live ones into a new array: O(1) per operation, amortised. */
  #compactIfWasteful(): void {
    const wasted = this.#slots.length - this.#live;
    if (wasted > COMPACT_AFTER && wasted > this.#live) this.#rebuild(this.#liveSlots());
  }

  #rebuild(slots: ReadonlyArray<{ row: T; key: string }>): void {
    this.#slots = [];
    this.#first = 0;
    this.#live = 0;
    this.#byKey.clear();
    this.#byCount.clear();
    this.#maxCount = 0;
    for (const s of slots) this.#append(s.row, s.key);
  }

  #countDrop(k: string): void {
    this.#dropped++;
    const slot = this.#droppedByKey.has(k) || this.#droppedByKey.size < MAX_DROP_KEYS ? k : '*';
    this.#droppedByKey.set(slot, (this.#droppedByKey.get(slot) ?? 0) + 1);
  }
}
