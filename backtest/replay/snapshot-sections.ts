/**
 * A snapshot line's JSON parsed part by part (`app`, `clusters`, `state`, …), each part reused
 * from the snapshot parsed before when its text is the same. Consecutive snapshots of one app
 * differ in their state, status and outcomes; the app and its clusters (about half the text, more
 * in a fleet of many clusters) rarely change, and parsing them again was most of a replay's JSON
 * work on snapshots. A reused part is the same object in both snapshots: nothing downstream
 * mutates a parsed snapshot (they are read-only types), and memos keyed by such an object (e.g.
 * the app's function allow-list) stay right because its content is the same.
 *
 * The parts are found as `writeNdjson` writes them (`snapshotRecord`'s key order), searching
 * back from the end for each key; a text in any other shape, or one whose parts do not each
 * parse, is parsed whole, so errors read as they always did.
 */

/** Top-level keys in the writer's order; `outcomes` and `jobPins` may be absent. */
const KEYS = ['app', 'clusters', 'state', 'status', 'latency', 'outcomes', 'jobPins', 'loadedAt'] as const;
const MARKS = KEYS.map((k) => `,"${k}":`);
const HEAD = '{"app":';

export class SnapshotSections {
  /** The last text and value of each part, by key. */
  private readonly texts = new Map<string, string>();
  private readonly values = new Map<string, unknown>();
  /** Parts reused rather than parsed again (tests). */
  reused = 0;

  /** The snapshot object `JSON.parse(text)` would give, parts unchanged since the last call shared with it; undefined when the text is not in the writer's shape or a part does not parse. */
  parse(text: string): Record<string, unknown> | undefined {
    if (!text.startsWith(HEAD) || !text.endsWith('}')) return undefined;
    // Part boundaries from the end: a key nested in an earlier part (the app's own `clusters` list) lies before the top-level one.
    const starts: number[] = new Array<number>(KEYS.length).fill(-1);
    let end = text.length - 1;
    for (let k = KEYS.length - 1; k >= 1; k--) {
      const at = text.lastIndexOf(MARKS[k] as string, end - 1);
      if (at < HEAD.length) {
        if (KEYS[k] === 'outcomes' || KEYS[k] === 'jobPins') continue;
        return undefined;
      }
      starts[k] = at;
      end = at;
    }
    const out: Record<string, unknown> = {};
    let from = HEAD.length;
    let key: string = KEYS[0];
    for (let k = 1; k <= KEYS.length; k++) {
      const next = k === KEYS.length ? text.length - 1 : (starts[k] as number);
      if (next < 0) continue;
      const value = this.part(key, text.slice(from, next));
      if (value === undefined) return undefined;
      out[key] = value;
      if (k < KEYS.length) {
        key = KEYS[k] as string;
        from = next + (MARKS[k] as string).length;
      }
    }
    return out;
  }

  private part(key: string, text: string): unknown {
    if (this.texts.get(key) === text) {
      this.reused++;
      return this.values.get(key);
    }
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
    this.texts.set(key, text);
    this.values.set(key, value);
    return value;
  }
}
