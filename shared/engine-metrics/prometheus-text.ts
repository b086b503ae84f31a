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
  const samples = new Map<string, Sample[]>();
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    const name = m?.[1];
    const valueText = m?.[3];
    if (name === undefined || valueText === undefined) return { ok: false, reason: `line ${lineNo} is not a Prometheus sample` };
    const value = Number(valueText === '+Inf' ? 'Infinity' : valueText === '-Inf' ? '-Infinity' : valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') return { ok: false, reason: `line ${lineNo}: value '${valueText}' is not a number` };
    if (!wanted.has(name)) continue;
    const list = samples.get(name) ?? [];
    list.push({ labels: labelsOf(m?.[2]), value });
    samples.set(name, list);
  }
  return { ok: true, samples };
}
