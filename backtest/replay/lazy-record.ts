/**
 * Decision records that parse only what a replay uses. A recorded Decision is
 * ~5 KB of JSON, nearly all of it the per-candidate explanation; a replay that
 * does not verify whole decisions needs only its head (id, chosen, fallbacks,
 * outcome, ...) and the chosen candidate's latency estimate and price. So the
 * head is parsed, those two numbers are read straight from the text, and the
 * full Decision is parsed only if someone reads `record.decision`.
 * Policies repeat across records: each distinct policy text is parsed once.
 */
import type { CanaryNote } from '../../shared/canary/canary.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { type DecisionInput, type DecisionRecord, type OutcomeRecord } from '../decision-record.ts';
import { BacktestError } from '../errors.ts';
import { lineToken } from './line-numbers.ts';

/**
 * What a replay reads of the recorded decision when it does not verify it whole: the head fields
 * `decide()` writes first (id … chosen) and the chosen candidate's latency estimate and price.
 */
export interface DecisionBrief {
  readonly id: string;
  readonly at: number;
  readonly appId: string;
  readonly outcome: Decision['outcome'];
  readonly chosen: string | null;
  readonly chosenLatencyMs: number | null;
  readonly chosenPricePerHour: number | null;
}

/** A record a fast reader produced: `brief` is ready, `decision` is parsed on first use. */
export interface ReplayRecord extends DecisionRecord {
  readonly brief?: DecisionBrief;
  /** Policy canary: the stable policy's choice next to this (candidate) decision (`canary_json`). */
  readonly canary?: CanaryNote | null;
}

export function briefOf(d: Decision): DecisionBrief {
  const c = d.chosen === null ? undefined : d.candidates.find((x) => x.clusterId === d.chosen);
  return {
    id: d.id,
    at: d.at,
    appId: d.appId,
    outcome: d.outcome,
    chosen: d.chosen,
    chosenLatencyMs: c?.estimatedLatencyMs ?? null,
    chosenPricePerHour: c?.pricePerHour ?? null,
  };
}

const CANDIDATES_KEY = ',"candidates":';

/**
 * The brief from a Decision's JSON text without parsing the candidates: the head
 * (everything before `candidates`, which `decide()` emits in that order) is parsed,
 * the chosen candidate's two numbers are read from the text. Null when the text has
 * another shape (the caller then parses it whole). Structural keys cannot occur
 * inside JSON strings (their quotes would be escaped), so the searches are exact.
 */
export function briefFromText(text: string): DecisionBrief | null {
  const ci = text.indexOf(CANDIDATES_KEY);
  if (ci < 0) return null;
  let head: unknown;
  try {
    head = JSON.parse(`${text.slice(0, ci)}}`);
  } catch {
    return null;
  }
  return briefFromHead(head, (chosen) => {
    const at = text.indexOf(`{"clusterId":${JSON.stringify(chosen)},`, ci);
    if (at < 0) return null;
    const l = numberAfter(text, '"estimatedLatencyMs":', at);
    const p = numberAfter(text, '"pricePerHour":', at);
    return l === undefined || p === undefined ? null : { latency: l, price: p };
  });
}

/**
 * The brief from a Decision's parsed head (everything before `candidates`) and the chosen
 * candidate's latency and price, found by `chosenNumbers` (from text or from bytes, by the
 * reader). Null on another shape. One rule for the libSQL and the NDJSON readers.
 */
export function briefFromHead(head: unknown, chosenNumbers: (chosen: string) => { latency: number | null; price: number | null } | null): DecisionBrief | null {
  if (typeof head !== 'object' || head === null || Array.isArray(head)) return null;
  const h = head as Record<string, unknown>;
  const chosen = h['chosen'];
  if (typeof h['id'] !== 'string' || typeof h['at'] !== 'number' || typeof h['outcome'] !== 'string') return null;
  if (chosen !== null && typeof chosen !== 'string') return null;
  const numbers = chosen === null ? { latency: null, price: null } : chosenNumbers(chosen);
  if (numbers === null) return null;
  return {
    id: h['id'],
    at: h['at'],
    appId: String(h['appId']),
    outcome: h['outcome'] as Decision['outcome'],
    chosen,
    chosenLatencyMs: numbers.latency,
    chosenPricePerHour: numbers.price,
  };
}

/** The JSON number (or null) after `key`, searching from `from`; undefined when absent or malformed. */
function numberAfter(text: string, key: string, from: number): number | null | undefined {
  const k = text.indexOf(key, from);
  if (k < 0) return undefined;
  const start = k + key.length;
  let end = start;
  while (end < text.length) {
    const ch = text.charCodeAt(end);
    if (ch === 44 /* , */ || ch === 125 /* } */) break;
    end++;
  }
  const raw = text.slice(start, end);
  if (raw === 'null') return null;
  const n = Number(raw);
  return raw.length > 0 && Number.isFinite(n) ? n : undefined;
}

export function parseDecisionText(text: string, where: string): Decision {
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new BacktestError('bad-record', `${where} must be a JSON object`);
  return d as Decision;
}

/**
 * Where a record's line is (`file:line: part`), put into words only when an error needs it: a
 * string per record, made as the line was read, was ~0.5 µs of a ~9 µs NDJSON read. `known`:
 * `line` is the line's number; otherwise the byte offset it starts at (`lineToken`).
 */
export class LineRef {
  constructor(
    private readonly file: string,
    private readonly line: number,
    private readonly known: boolean,
    private readonly part: string,
  ) {}

  toString(): string {
    return `${this.file}:${this.known ? this.line : lineToken(this.line)}: ${this.part}`;
  }
}

/** A record whose Decision is parsed from its text only when read. */
export class LazyRecord implements ReplayRecord {
  private parsed: Decision | null = null;
  constructor(
    readonly input: DecisionInput,
    readonly outcomes: readonly OutcomeRecord[],
    readonly brief: DecisionBrief,
    /** The Decision's JSON: text, or bytes (a view into the reader's chunk) decoded only when read. */
    private readonly decisionText: string | Buffer,
    private readonly where: string | LineRef,
    readonly canary: CanaryNote | null = null,
  ) {}

  get decision(): Decision {
    this.parsed ??= parseDecisionText(typeof this.decisionText === 'string' ? this.decisionText : this.decisionText.toString('utf8'), String(this.where));
    return this.parsed;
  }
}

/**
 * A record read with its brief only (`readRecordsFromDb` with `briefOnly`: a replay that does not
 * verify): its explanation was never fetched, so reading `decision` is a caller's mistake, said so.
 */
export class BriefRecord implements ReplayRecord {
  constructor(
    readonly input: DecisionInput,
    readonly outcomes: readonly OutcomeRecord[],
    readonly brief: DecisionBrief,
    private readonly where: string,
    readonly canary: CanaryNote | null = null,
  ) {}

  get decision(): Decision {
    throw new BacktestError('bad-option', `${this.where} was read with its brief only (briefOnly): read it without briefOnly to verify or export whole decisions`);
  }
}
