/**
 * One trace as a span waterfall: spans ordered depth-first under their parents, each with its
 * offset and width as a share of the whole trace. Pure. Spans whose parent is not in the trace
 * (not exported yet, or sampled out) are shown as roots rather than dropped.
 */
import type { StoredSpan } from '../otlp-receiver/trace-store.ts';

/** A stored span as the receiver's store returns it. */
export type SpanRow = Pick<StoredSpan, 'spanId' | 'parentSpanId' | 'name' | 'service' | 'kind' | 'startUnixNano' | 'endUnixNano' | 'statusCode' | 'attributes'>;

export interface WaterfallRow {
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly depth: number;
  /** Percent of the trace's duration before this span starts / that it lasts. */
  readonly offsetPct: number;
  readonly widthPct: number;
  readonly durationMs: number;
  readonly startMs: number;
  readonly error: boolean;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
}

export interface WaterfallView {
  readonly traceId: string;
  readonly durationMs: number;
  readonly rows: readonly WaterfallRow[];
}

/** OTLP SpanKind numbers. */
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
/** OTLP status code 2 = ERROR. */
const STATUS_ERROR = 2;

const ns2ms = (ns: number): number => ns / 1e6;

function attributesOf(attrs: Record<string, unknown>): Array<readonly [string, string]> {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return [];
  return Object.entries(attrs)
    .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
}

export function waterfallView(traceId: string, spans: readonly SpanRow[]): WaterfallView {
  if (spans.length === 0) return { traceId, durationMs: 0, rows: [] };
  let start = spans[0]?.startUnixNano ?? 0;
  let end = spans[0]?.endUnixNano ?? 0;
  for (const s of spans) {
    if (s.startUnixNano < start) start = s.startUnixNano;
    if (s.endUnixNano > end) end = s.endUnixNano;
  }
  const total = end > start ? end - start : 1;
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanRow[]>();
  for (const s of spans) {
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId ? s.parentSpanId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : a.startUnixNano > b.startUnixNano ? 1 : a.spanId.localeCompare(b.spanId)));
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (s: SpanRow, depth: number): void => {
    if (seen.has(s.spanId)) return; // a cycle in bad data must not loop forever
    seen.add(s.spanId);
    const dur = s.endUnixNano > s.startUnixNano ? s.endUnixNano - s.startUnixNano : 0;
    rows.push({
      spanId: s.spanId,
      name: s.name,
      service: s.service,
      kind: KINDS[s.kind] ?? 'unspecified',
      depth,
      offsetPct: Math.round(((s.startUnixNano - start) / total) * 10_000) / 100,
      widthPct: Math.max(0.2, Math.round((dur / total) * 10_000) / 100),
      durationMs: Math.round(ns2ms(dur) * 100) / 100,
      startMs: Math.round(ns2ms(s.startUnixNano - start) * 100) / 100,
      error: s.statusCode === STATUS_ERROR,
      attributes: attributesOf(s.attributes),
    });
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  return { traceId, durationMs: Math.round(ns2ms(end - start) * 100) / 100, rows };
}
