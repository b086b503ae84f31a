/**
 * A binary min-heap of simulator events ordered by (time, priority, insertion
 * order). The insertion-order tie-break keeps runs deterministic: two events at
 * the same instant always fire in the order they were scheduled.
 */
export interface QueuedEvent<T> {
  readonly at: number;
  /** Lower fires first among events at the same time (e.g. completions before arrivals). */
  readonly priority: number;
  readonly payload: T;
}

interface Slot<T> extends QueuedEvent<T> {
  readonly seq: number;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, priority: number, payload: T): void {
    const slot: Slot<T> = { at, priority, payload, seq: this.seq++ };
    const h = this.heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Slot<T>;
      if (!before(slot, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = slot;
  }

  /** The earliest event, or undefined when empty. */
  pop(): QueuedEvent<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const lv = h[l] as Slot<T>;
      const rv = h[r];
      const c = rv !== undefined && before(rv, lv) ? r : l;
      const cv = h[c] as Slot<T>;
      if (!before(cv, last)) break;
      h[i] = cv;
      i = c;
    }
    h[i] = last;
    return top;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}
