/**
 * Reads the small parts of a writer-layout record line (`ndjson.ts`) straight from its bytes,
 * without `JSON.parse`: the decision head up to `chosen`, and the input's tail after its policy
 * (`now`, `seed`, `staleSnapshot`). Its one `JSON.parse` per record was the largest item of the
 * reader's CPU (~2.8 µs of ~11 µs), and most of what it built was thrown away or repeated
 * (app ids, cluster ids, outcome names; the request, of which a log holds few distinct ones).
 *
 * Only one strict shape is read, the one `decide()` and `writeNdjson` write: fixed keys in
 * their order, strings of printable ASCII without escapes, JSON numbers, `true`/`false`/`null`.
 * Anything else returns false and the caller parses the line the general way, so a value read
 * here is always the value `JSON.parse` gives (`fast-record-scan-matches-json-parse.test.ts`).
 */
import type { OutcomeRecord } from '../decision-record.ts';
import { matchesAt } from './byte-search.ts';

const key = (s: string): Buffer => Buffer.from(s);
const K = {
  id: key('{"id":'),
  at: key(',"at":'),
  appId: key(',"appId":'),
  fn: key(',"fn":'),
  strategy: key(',"strategy":'),
  outcome: key(',"outcome":'),
  chosen: key(',"chosen":'),
  seed: key(',"seed":'),
  stale: key(',"staleSnapshot":'),
  attempt: key('{"attempt":'),
  proxyId: key(',"proxyId":'),
  clusterId: key(',"clusterId":'),
  status: key(',"status":'),
  ttfbMs: key(',"ttfbMs":'),
  durationMs: key(',"durationMs":'),
  true: key('true'),
  false: key('false'),
  null: key('null'),
};
/** Distinct strings remembered per field (app ids, cluster ids, outcomes), and requests per reader. */
const STRINGS_PER_FIELD = 16;
const REQUESTS = 1024;

/** A few recent values of one string field, found by their bytes: no string is made for a repeat. */
class RecentStrings {
  private readonly bytes: Buffer[] = [];
  private readonly values: string[] = [];
  private next = 0;

  get(line: Buffer, a: number, b: number): string {
    const n = b - a;
    for (let k = 0; k < this.bytes.length; k++) {
      const x = this.bytes[k];
      if (x !== undefined && x.length === n && sameBytes(line, a, x)) return this.values[k] ?? '';
    }
    // Printable ASCII only (checked by the scan): latin1 is the same text as utf8, and cheaper.
    const v = line.toString('latin1', a, b);
    this.bytes[this.next] = Buffer.from(line.subarray(a, b));
    this.values[this.next] = v;
    this.next = (this.next + 1) % STRINGS_PER_FIELD;
    return v;
  }
}

function sameBytes(line: Buffer, a: number, x: Buffer): boolean {
  for (let j = 0; j < x.length; j++) if (line[a + j] !== x[j]) return false;
  return true;
}

/**
 * One reader's scanner. Each method reads from `pos` and leaves its results in fields (no object
 * per record); false means "not the strict shape", never an error.
 */
export class RecordScanner {
  pos = 0;
  id = '';
  at = 0;
  appId = '';
  outcome = '';
  chosen: string | null = null;
  now = 0;
  seed = '';
  stale = false;
  private readonly appIds = new RecentStrings();
  private readonly outcomes = new RecentStrings();
  private readonly chosenIds = new RecentStrings();
  private readonly proxyIds = new RecentStrings();
  /** Parsed requests by their bytes (as latin1 text: one char per byte, so equal keys are equal bytes). */
  private readonly requests = new Map<string, object>();

  /**
   * The decision head `{"id":…,"at":…,"appId":…,"fn":…,"strategy":…,"outcome":…,"chosen":…` from
   * `from`; `pos` is then where the head goes on (`,"fallbacks":` in decide()'s order).
   */
  head(line: Buffer, from: number, end: number): boolean {
    this.pos = from;
    if (!this.key(line, K.id)) return false;
    const id = this.string(line, end);
    if (id < 0) return false;
    this.id = line.toString('latin1', id, this.pos - 1);
    if (!this.key(line, K.at) || !this.number(line, end)) return false;
    this.at = this.value;
    if (!this.key(line, K.appId) || this.string(line, end) < 0) return false;
    this.appId = this.appIds.get(line, this.strStart, this.pos - 1);
    if (!this.key(line, K.fn) || this.string(line, end) < 0) return false;
    if (!this.key(line, K.strategy) || this.string(line, end) < 0) return false;
    if (!this.key(line, K.outcome) || this.string(line, end) < 0) return false;
    this.outcome = this.outcomes.get(line, this.strStart, this.pos - 1);
    if (!this.key(line, K.chosen)) return false;
    if (this.key(line, K.null)) this.chosen = null;
    else if (this.string(line, end) >= 0) this.chosen = this.chosenIds.get(line, this.strStart, this.pos - 1);
    else return false;
    return true;
  }

  /** The input's tail `,"now":N,"seed":S,"staleSnapshot":B` from `from` (after `,"now":`), ending exactly at `end`. */
  tail(line: Buffer, from: number, end: number): boolean {
    this.pos = from;
    if (!this.number(line, end)) return false;
    this.now = this.value;
    if (!this.key(line, K.seed) || this.string(line, end) < 0) return false;
    this.seed = line.toString('latin1', this.strStart, this.pos - 1);
    if (!this.key(line, K.stale)) return false;
    if (this.key(line, K.true)) this.stale = true;
    else if (this.key(line, K.false)) this.stale = false;
    else return false;
    return this.pos === end;
  }

  /**
   * The outcomes array [from, end) as `decision-record.ts` writes them (`{"attempt":…,"proxyId":…,
   * "clusterId":…,"status":…,"ttfbMs":…,"durationMs":…}` each), as JSON.parse would build it; null
   * for another shape.
   */
  outcomeList(line: Buffer, from: number, end: number): OutcomeRecord[] | null {
    this.pos = from;
    if (line[from] !== 91) return null;
    const out: OutcomeRecord[] = [];
    this.pos++;
    for (;;) {
      const o = this.outcome1(line, end);
      if (o === null) return null;
      out.push(o);
      if (line[this.pos] !== 44) break;
      this.pos++;
    }
    return line[this.pos] === 93 && this.pos + 1 === end ? out : null;
  }

  private outcome1(line: Buffer, end: number): OutcomeRecord | null {
    if (!this.key(line, K.attempt) || !this.number(line, end)) return null;
    const attempt = this.value;
    if (!this.key(line, K.proxyId) || this.string(line, end) < 0) return null;
    const proxyId = this.proxyIds.get(line, this.strStart, this.pos - 1);
    if (!this.key(line, K.clusterId)) return null;
    let clusterId: string | null = null;
    if (this.string(line, end) >= 0) clusterId = this.chosenIds.get(line, this.strStart, this.pos - 1);
    else if (!this.key(line, K.null)) return null;
    if (!this.key(line, K.status) || !this.number(line, end)) return null;
    const status = this.value;
    if (!this.key(line, K.ttfbMs)) return null;
    let ttfbMs: number | null = null;
    if (this.number(line, end)) ttfbMs = this.value;
    else if (!this.key(line, K.null)) return null;
    if (!this.key(line, K.durationMs) || !this.number(line, end) || line[this.pos] !== 125) return null;
    this.pos++;
    return { attempt, proxyId, clusterId, status, ttfbMs, durationMs: this.value };
  }

  /**
   * The request object whose JSON is [a, b), parsed once per distinct text (records share it:
   * nothing changes a record's request); null when it is not a JSON object.
   */
  request(line: Buffer, a: number, b: number): object | null {
    const k = line.toString('latin1', a, b);
    let r = this.requests.get(k);
    if (r === undefined) {
      let v: unknown;
      try {
        v = JSON.parse(line.toString('utf8', a, b));
      } catch {
        return null;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
      if (this.requests.size >= REQUESTS) this.requests.clear();
      this.requests.set(k, v);
      r = v;
    }
    return r;
  }

  private value = 0;
  private strStart = 0;

  private key(line: Buffer, k: Buffer): boolean {
    if (!matchesAt(line, k, this.pos)) return false;
    this.pos += k.length;
    return true;
  }

  /**
   * A string of printable ASCII without escapes at `pos`: its first content byte (also in
   * `strStart`), `pos` then past the closing quote; -1 otherwise.
   */
  private string(line: Buffer, end: number): number {
    if (line[this.pos] !== 34) return -1;
    const s = this.pos + 1;
    for (let i = s; i < end; i++) {
      const c = line[i] ?? 0;
      if (c === 34) {
        this.pos = i + 1;
        this.strStart = s;
        return s;
      }
      if (c < 32 || c > 126 || c === 92) return -1;
    }
    return -1;
  }

  /** A JSON number at `pos` into `value`: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, finite. */
  private number(line: Buffer, end: number): boolean {
    const s = this.pos;
    let i = s;
    if (line[i] === 45) i++;
    const intStart = i;
    if (line[i] === 48) i++;
    else if (isDigit(line[i])) while (i < end && isDigit(line[i])) i++;
    else return false;
    const intEnd = i;
    if (line[i] === 46) {
      i++;
      if (!isDigit(line[i])) return false;
      while (i < end && isDigit(line[i])) i++;
    }
    if (line[i] === 101 || line[i] === 69) {
      i++;
      if (line[i] === 43 || line[i] === 45) i++;
      if (!isDigit(line[i])) return false;
      while (i < end && isDigit(line[i])) i++;
    }
    if (i > end) return false;
    let v: number;
    if (i === intEnd && intEnd - intStart <= 15) {
      // Up to 15 digits is below 2^53: exact in a double, as JSON.parse reads it.
      v = 0;
      for (let j = intStart; j < intEnd; j++) v = v * 10 + ((line[j] ?? 48) - 48);
      if (intStart > s) v = -v;
    } else v = Number(line.toString('latin1', s, i));
    if (!Number.isFinite(v)) return false;
    this.value = v;
    this.pos = i;
    return true;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}
