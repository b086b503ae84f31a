/**
 * Searches for short byte strings (JSON keys) inside one record line. `Buffer.indexOf` with a
 * Buffer needle costs ~0.5 ns per byte scanned plus its set-up, and a record line's searches cross
 * kilobytes (the chosen candidate, its latency and price: ~2 µs of a ~11 µs read). A search for a
 * single byte is memchr, several times faster; so a needle holding a byte that is rare in
 * record JSON (an upper-case letter or `[`: `"clusterId"`, `"estimatedLatencyMs"`,
 * `"pricePerHour"`) is found by jumping from one such byte to the next and comparing the rest
 * there. Every result is the first (or last) occurrence, as a plain search gives: only the cost
 * depends on the data.
 */

/** The needle's index of its first byte that is rare in record JSON, or -1 when it has none. */
export function anchorOf(needle: Buffer): number {
  for (let i = 0; i < needle.length; i++) {
    const c = needle[i] ?? 0;
    if ((c >= 65 && c <= 90) || c === 91) return i;
  }
  return -1;
}

/** Whether `needle` occurs at `at` in `line`. */
export function matchesAt(line: Buffer, needle: Buffer, at: number): boolean {
  for (let j = 0; j < needle.length; j++) if (line[at + j] !== needle[j]) return false;
  return true;
}

/**
 * `indexOf` limited to [from, end): -1 when the needle is not there. Callers pass a view of one
 * line: an absent needle then costs at most the rest of the line, never the rest of the 1 MB
 * chunk, and no view is made per search. Short ranges are searched here; long ones by the
 * needle's rare byte (`anchorOf`) when it has one, else with `Buffer.indexOf`.
 */
export function find(line: Buffer, needle: Buffer, from: number, end: number, anchor = anchorOf(needle)): number {
  const last = end - needle.length;
  if (last - from > 256) {
    if (anchor >= 0) return findByAnchor(line, needle, anchor, from, last);
    const i = line.indexOf(needle, from);
    return i < 0 || i > last ? -1 : i;
  }
  const first = needle[0];
  for (let i = from; i <= last; i++) if (line[i] === first && matchesAt(line, needle, i)) return i;
  return -1;
}

function findByAnchor(line: Buffer, needle: Buffer, anchor: number, from: number, last: number): number {
  const byte = needle[anchor] ?? 0;
  for (let at = from + anchor; ; ) {
    const i = line.indexOf(byte, at);
    if (i < 0 || i - anchor > last) return -1;
    if (matchesAt(line, needle, i - anchor)) return i - anchor;
    at = i + 1;
  }
}

/** `lastIndexOf` of a needle that must end before `end` and start at/after `start` (bounded by the view's start). */
export function findLast(line: Buffer, needle: Buffer, start: number, end: number): number {
  const i = line.lastIndexOf(needle, end - needle.length);
  return i < start ? -1 : i;
}
