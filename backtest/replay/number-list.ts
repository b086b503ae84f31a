/**
 * A growable list of doubles kept as plain data: a replay thread's latency and time lists. A
 * thread posts its lists back as a few transferred buffers (not 200k boxed numbers through the
 * structured clone), and merging them is one copy of bytes: with number[] lists the calling
 * thread spent ~150 ms pushing 1.2M numbers one by one after both threads of a 200k-record replay
 * had finished, ~6 % of its wall time.
 */
export interface NumberList {
  buf: Float64Array;
  n: number;
}

export function numberList(capacity = 1024): NumberList {
  return { buf: new Float64Array(capacity), n: 0 };
}

export function pushNumber(list: NumberList, x: number): void {
  if (list.n === list.buf.length) grow(list, list.n + 1);
  list.buf[list.n++] = x;
}

/** Appends `from`'s numbers to `into`, in order. */
export function appendNumbers(into: NumberList, from: NumberList): void {
  if (from.n === 0) return;
  if (into.n + from.n > into.buf.length) grow(into, into.n + from.n);
  into.buf.set(from.buf.subarray(0, from.n), into.n);
  into.n += from.n;
}

/**
 * One list of every list's numbers, in order: the only list with any numbers itself, else one
 * buffer of exactly their size (a fresh buffer costs a page fault per 4 KB on this kind of VM:
 * growing by doubling while appending cost 5x more than the copying).
 */
export function concatNumbers(lists: readonly NumberList[]): NumberList {
  const full = lists.filter((l) => l.n > 0);
  if (full.length === 1 && full[0] !== undefined) return full[0];
  const out = numberList(full.reduce((n, l) => n + l.n, 0));
  for (const l of full) appendNumbers(out, l);
  return out;
}

/** The list's numbers (a view: valid until the list grows). */
export function numbersOf(list: NumberList): Float64Array {
  return list.buf.subarray(0, list.n);
}

function grow(list: NumberList, need: number): void {
  let size = Math.max(16, list.buf.length * 2);
  while (size < need) size *= 2;
  const buf = new Float64Array(size);
  buf.set(list.buf.subarray(0, list.n));
  list.buf = buf;
}
