import { describe, expect, it } from 'vitest';
import { waterfallView, type SpanRow } from './waterfall-view.ts';

const MS = 1_000_000;
const span = (spanId: string, parent: string | null, startMs: number, endMs: number, over: Partial<SpanRow> = {}): SpanRow => ({
  spanId, parentSpanId: parent, name: spanId, service: 'svc', kind: 1,
  startUnixNano: (1_700_000_000_000 + startMs) * MS, endUnixNano: (1_700_000_000_000 + endMs) * MS,
  statusCode: 0, attributes: {}, ...over,
});

describe('waterfallView', () => {
  it.each([
    { name: 'empty trace', spans: [], want: [], duration: 0 },
    {
      name: 'children under parents, depth-first, by start',
      spans: [span('up2', 'proxy', 60, 100), span('edge', null, 0, 100), span('proxy', 'edge', 10, 100), span('up1', 'proxy', 20, 50)],
      want: [['edge', 0, 0, 100], ['proxy', 1, 10, 90], ['up1', 2, 20, 30], ['up2', 2, 60, 40]],
      duration: 100,
    },
    {
      name: 'orphans (parent not exported) become roots',
      spans: [span('a', null, 0, 50), span('b', 'missing', 50, 100)],
      want: [['a', 0, 0, 50], ['b', 0, 50, 50]],
      duration: 100,
    },
    {
      name: 'a self-parent or cycle does not loop',
      spans: [span('a', 'a', 0, 10), span('b', 'c', 0, 10), span('c', 'b', 0, 10)],
      want: [['a', 0, 0, 100]],
      duration: 10,
    },
    { name: 'a zero-length span stays visible', spans: [span('a', null, 5, 5)], want: [['a', 0, 0, 0.2]], duration: 0 },
  ])('$name', ({ spans, want, duration }) => {
    const v = waterfallView('t', spans);
    expect(v.rows.map((r) => [r.spanId, r.depth, r.offsetPct, r.widthPct])).toEqual(want);
    expect(v.durationMs).toBe(duration);
  });

  it.each([
    { over: { kind: 3, statusCode: 2 }, want: { kind: 'client', error: true } },
    { over: { kind: 2, statusCode: 1 }, want: { kind: 'server', error: false } },
    { over: { kind: 99 }, want: { kind: 'unspecified' } },
    { over: { attributes: { b: 1, a: 'x' } }, want: { attributes: [['a', 'x'], ['b', '1']] } },
    { over: { attributes: { nested: { k: [1, 2] } } }, want: { attributes: [['nested', '{"k":[1,2]}']] } },
    { over: { attributes: [1] as unknown as Record<string, unknown> }, want: { attributes: [] } },
  ])('span fields $over', ({ over, want }) => {
    expect(waterfallView('t', [span('a', null, 0, 10, over)]).rows[0]).toMatchObject(want);
  });
});
