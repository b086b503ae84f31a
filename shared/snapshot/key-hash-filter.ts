/**
 * A compact membership filter of one project's API key hashes, for the edge's auth view: the
 * first 32 bits of each key's hex SHA-256 (`api_keys.hash`), sorted, in a Uint32Array — 4 bytes a
 * key, never the hashes themselves. A hash whose prefix is absent is certainly not a key of the
 * project (refused with no read); one whose prefix is present probably is (a made-up key passes
 * with probability keys / 2^32: about 1 in 43,000 at 100,000 keys) and is looked up in full.
 */

/** Hex characters of a hash kept per key: 32 bits. */
export const KEY_PREFIX_HEX = 8;

export class KeyHashFilter {
  readonly #prefixes: Uint32Array;

  private constructor(prefixes: Uint32Array) {
    this.#prefixes = prefixes.sort();
  }

  /**
   * From the prefixes run together (`KEY_PREFIXES_STATEMENT`'s `prefixes`: `KEY_PREFIX_HEX`
   * lowercase hex characters a key, in any order), or null when that is not what it holds (the
   * project is then looked up key by key, as without a filter).
   */
  static fromHex(joined: string): KeyHashFilter | null {
    if (joined.length % KEY_PREFIX_HEX !== 0 || !/^[0-9a-f]*$/.test(joined)) return null;
    const prefixes = new Uint32Array(joined.length / KEY_PREFIX_HEX);
    for (let i = 0; i < prefixes.length; i++) prefixes[i] = Number.parseInt(joined.slice(i * KEY_PREFIX_HEX, (i + 1) * KEY_PREFIX_HEX), 16);
    return new KeyHashFilter(prefixes);
  }

  /** Keys (prefixes) held: the filter's size is 4 bytes each. */
  get size(): number {
    return this.#prefixes.length;
  }

  /** False: no key of the project has this hash. True: one may have (look it up). */
  mayHold(hash: string): boolean {
    const head = hash.slice(0, KEY_PREFIX_HEX);
    if (head.length !== KEY_PREFIX_HEX || !/^[0-9a-f]+$/.test(head)) return false;
    const want = Number.parseInt(head, 16);
    const a = this.#prefixes;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid] ?? 0;
      if (v < want) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo] === want;
  }
}
