import type { FieldParser, FieldResult } from './types.ts';

function parser<T>(expected: string, parse: (raw: string) => T | undefined): FieldParser<T> {
  const fn = (raw: string): FieldResult<T> => {
    const value = parse(raw.trim());
    return value === undefined ? { ok: false, expected } : { ok: true, value };
  };
  return Object.assign(fn, { expected });
}

// Number('') is 0 and Number(' ') is 0: refuse blanks explicitly so an empty variable is an error.
function toNumber(raw: string): number | undefined {
  if (raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** A finite number in [min, max]. */
export function numberInRange(min: number, max: number): FieldParser<number> {
  return parser(`a number between ${min} and ${max}`, (raw) => {
    const n = toNumber(raw);
    return n !== undefined && n >= min && n <= max ? n : undefined;
  });
}

/** An integer in [min, max]. */
export function integer(min: number, max: number): FieldParser<number> {
  return parser(`an integer between ${min} and ${max}`, (raw) => {
    const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : undefined;
    return n !== undefined && n >= min && n <= max ? n : undefined;
  });
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses "1500", "1500ms", "2s", "1.5s", "5m", "1h", "7d" into milliseconds; undefined when malformed. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
  if (m === null || m[1] === undefined) return undefined;
  const unit = DURATION_UNITS[m[2] ?? ''];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

function formatMs(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration in milliseconds within [minMs, maxMs]; a bare number means milliseconds. */
export function duration(minMs: number, maxMs: number): FieldParser<number> {
  return parser(
    `a duration between ${formatMs(minMs)} and ${formatMs(maxMs)} (e.g. 1500, 1500ms, 2s, 5m)`,
    (raw) => {
      const ms = parseDurationMs(raw);
      return ms !== undefined && ms >= minMs && ms <= maxMs ? ms : undefined;
    },
  );
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  on: true,
  off: false,
  yes: true,
  no: false,
};

/** true/false, 1/0, on/off, yes/no (case-insensitive). */
export function boolean(): FieldParser<boolean> {
  return parser('one of on, off, true, false, 1, 0, yes, no', (raw) => BOOLEANS[raw.toLowerCase()]);
}

/** Exactly one of `values` (case-sensitive: these are identifiers). */
export function oneOf<T extends string>(values: readonly T[]): FieldParser<T> {
  const allowed = new Set<string>(values);
  return parser(`one of ${values.join(', ')}`, (raw) =>
    allowed.has(raw) ? (raw as T) : undefined,
  );
}

/** Any non-blank string (trimmed). */
export function nonEmptyString(): FieldParser<string> {
  return parser('a non-empty string', (raw) => (raw === '' ? undefined : raw));
}
