/**
 * The trace view reads the OTLP receiver's `trace_spans` table: without it the page says
 * tracing is not enabled (no error); with it, recent traces are listed and one trace shows as a
 * waterfall with its spans parented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDashboard, TRACE_SPANS_DDL, withKey, type TestDashboard } from './test-fixtures.ts';

let d: TestDashboard;
beforeAll(async () => {
  d = await startTestDashboard();
});
afterAll(async () => d.close());

const T0 = 1_764_000_000_000_000_000n;
const MS = 1_000_000n;

describe('trace view', () => {
  it('says tracing is not enabled when the table does not exist', async () => {
    // Migrations create the table now; a database migrated by an older Switchyard has none.
    await d.db.execute('DROP TABLE IF EXISTS trace_spans');
    const list = await fetch(`${d.url}/traces`, { headers: withKey });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('Tracing not enabled');
    const one = await fetch(`${d.url}/traces/abc`, { headers: withKey });
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('Tracing not enabled');
    expect((await fetch(`${d.url}/api/traces/abc`, { headers: withKey })).status).toBe(404);
    expect(await (await fetch(`${d.url}/api/traces`, { headers: withKey })).json()).toEqual({ enabled: false, traces: [] });
  });

  it('lists traces and draws one as a waterfall once spans are stored', async () => {
    await d.db.execute(TRACE_SPANS_DDL);
    const span = (trace: string, id: string, parent: string | null, name: string, service: string, kind: number, from: bigint, to: bigint, status = 0, attrs = '{}') =>
      d.db.execute({
        sql: 'INSERT INTO trace_spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        args: [trace, id, parent, name, service, kind, T0 + from * MS, T0 + to * MS, status, attrs],
      });
    await span('t1', 'e1', null, 'edge decide', 'switchyard-edge', 2, 0n, 120n, 0, '{"switchyard.cluster":"eu-west-1","gen_ai.request.model":"demo-llm"}');
    await span('t1', 'p1', 'e1', 'proxy admit', 'switchyard-proxy', 2, 10n, 118n);
    await span('t1', 'u1', 'p1', 'POST /v1/chat/completions', 'switchyard-proxy', 3, 20n, 115n, 2, '{"error.type":"500"}');
    await span('t2', 'x1', null, 'edge decide', 'switchyard-edge', 2, 500n, 510n);

    const list = await fetch(`${d.url}/api/traces`, { headers: withKey });
    const body = (await list.json()) as { traces: Array<{ traceId: string; spanCount: number; durationMs: number; rootName: string; errorCount: number; services: string }> };
    expect(body.traces.map((t) => [t.traceId, t.spanCount, t.durationMs, t.rootName, t.errorCount, t.services])).toEqual([
      ['t2', 1, 10, 'edge decide', 0, 'switchyard-edge'],
      ['t1', 3, 120, 'edge decide', 1, 'switchyard-edge,switchyard-proxy'],
    ]);
    const page = await (await fetch(`${d.url}/traces`, { headers: withKey })).text();
    expect(page).toContain('href="/traces/t1"');

    const view = (await (await fetch(`${d.url}/api/traces/t1`, { headers: withKey })).json()) as { rows: Array<{ spanId: string; depth: number; kind: string; error: boolean }> };
    expect(view.rows.map((r) => [r.spanId, r.depth, r.kind, r.error])).toEqual([
      ['e1', 0, 'server', false],
      ['p1', 1, 'server', false],
      ['u1', 2, 'client', true],
    ]);
    const html = await (await fetch(`${d.url}/traces/t1`, { headers: withKey })).text();
    expect(html).toContain('data-span="u1" data-depth="2"');
    expect(html).toContain('gen_ai.request.model');
    expect(html).not.toContain('style="');
  });

  // Like an unknown decision: a script polling for a trace must not read "200, no spans" as found.
  it('an unknown trace is a 404: its page says it has no spans, the API says not-found', async () => {
    const page = await fetch(`${d.url}/traces/nope`, { headers: withKey });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('has no stored spans');
    const api = await fetch(`${d.url}/api/traces/nope`, { headers: withKey });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { code: 'not-found', message: 'Trace nope has no stored spans.' } });
  });
});
