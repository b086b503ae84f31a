/**
 * Prometheus text exposition, read strictly enough that garbage (an HTML error page, a
 * truncated body) is refused rather than read as "0 running": a wrong zero would advertise
 * free capacity that does not exist. Pure: text in, samples out.
 */

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type ParsedText =
  | { readonly ok: true; readonly samples: ReadonlyMap<string, readonly Sample[]> }
  | { readonly ok: false; readonly reason: string };

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

function unescape(v: string): string {
  return v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function labelsOf(block: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (block === undefined) return out;
  for (const m of block.matchAll(LABEL)) if (m[1] !== undefined) out[m[1]] = unescape(m[2] ?? '');
  return out;
}

/** Only the families in `wanted` are kept (labels parsed); every line is still checked. */
export function parsePrometheusText(text: string, wanted: ReadonlySet<string>): ParsedText {
  const reader = new PrometheusTextReader(wanted);
  reader.push(text);
  return reader.end();
}

/**
 * The same reading, a piece of text at a time (a page as it arrives): each `push` reads the
 * complete lines it makes, a partial last line waits for the next. A caller can then yield
 * between pieces, so a large page never holds its event loop for the whole parse.
 */
export class PrometheusTextReader {
  readonly #wanted: ReadonlySet<string>;
  readonly #maxSamples: number;
  readonly #samples = new Map<string, Sample[]>();
  #kept = 0;
  #lineNo = 0;
  #rest = '';
  #failure: string | null = null;

  /** `maxSamples`: samples of the wanted families beyond which the page is refused (a label explosion). */
  constructor(wanted: ReadonlySet<string>, maxSamples = Infinity) {
    this.#wanted = wanted;
    this.#maxSamples = maxSamples;
  }

  /** The page is refused already: reading on is wasted. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  push(text: string): void {
    if (this.#failure !== null) return;
    const at = text.lastIndexOf('\n');
    if (at < 0) {
      this.#rest += text;
      return;
    }
    const lines = (this.#rest + text.slice(0, at)).split('\n');
    this.#rest = text.slice(at + 1);
    for (const raw of lines) if (!this.#line(raw)) return;
  }

  end(): ParsedText {
    if (this.#failure === null) this.#line(this.#rest);
    this.#rest = '';
    return this.#failure === null ? { ok: true, samples: this.#samples } : { ok: false, reason: this.#failure };
  }

  /** False once a line is not a sample: the page is refused. */
  #line(raw: string): boolean {
    this.#lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return true;
    const m = SAMPLE.exec(line);
    const name = m?.[1];
    const valueText = m?.[3];
    if (name === undefined || valueText === undefined) return this.#fail(`line ${this.#lineNo} is not a Prometheus sample`);
    const value = Number(valueText === '+Inf' ? 'Infinity' : valueText === '-Inf' ? '-Infinity' : valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') return this.#fail(`line ${this.#lineNo}: value '${valueText}' is not a number`);
    if (!this.#wanted.has(name)) return true;
    if (++this.#kept > this.#maxSamples) return this.#fail(`more than ${this.#maxSamples} samples of the wanted families (line ${this.#lineNo})`);
    const list = this.#samples.get(name) ?? [];
    list.push({ labels: labelsOf(m?.[2]), value });
    this.#samples.set(name, list);
    return true;
  }

  #fail(reason: string): false {
    this.#failure = reason;
    return false;
  }
}
