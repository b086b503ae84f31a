/**
 * A streaming chat completion through the whole local stack, in forward mode and in token mode,
 * leaves ONE trace in our OTLP receiver's libSQL table: the edge's server, decision and forward
 * spans, the proxy's server, admission and upstream attempt spans, parented edge → proxy →
 * upstream, with the GenAI attributes set and no API key or routing token in any attribute.
 */
import { describe, expect, it } from 'vitest';
import { getTrace, listRecentTraces, type StoredSpan } from '../control/otlp-receiver/trace-store.ts';
import { CLIENTS, devLocation, useStack } from './stack.ts';

const h = useStack(25_200, {}, { traces: true });

const CLIENT_SPAN = 'c11e47000000beef';
const body = JSON.stringify({
  model: 'demo-llm',
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: 8,
  messages: [{ role: 'user', content: 'trace me please' }],
});

function randomTraceId(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('').replace(/^0/, 'a');
}

/** The trace once every expected span has arrived (the proxy exports in 1 s batches). */
async function waitForSpans(traceId: string, names: readonly string[]): Promise<StoredSpan[]> {
  const end = Date.now() + 15_000;
  for (;;) {
    const spans = await getTrace(h.db(), traceId);
    if (names.every((n) => spans.some((s) => s.name === n))) return spans;
    if (Date.now() > end) throw new Error(`trace ${traceId} has only ${spans.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function one(spans: readonly StoredSpan[], name: string): StoredSpan {
  const found = spans.filter((s) => s.name === name);
  expect(found, `exactly one span named ${name}`).toHaveLength(1);
  return found[0] as StoredSpan;
}

async function readAll(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  return text;
}

function expectUpstreamAttempt(spans: readonly StoredSpan[], proxyServer: StoredSpan): void {
  const attempt = one(spans, 'chat demo-llm');
  expect(attempt.parentSpanId).toBe(proxyServer.spanId);
  expect(attempt.kind).toBe(3); // CLIENT
  expect(attempt.service).toBe('switchyard-proxy');
  expect(attempt.attributes).toMatchObject({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'demo-llm',
    'gen_ai.request.stream': true,
    'gen_ai.usage.output_tokens': 8,
    'http.request.method': 'POST',
    'http.response.status_code': 200,
    'switchyard.stream.end': 'completed',
  });
  expect(Number(attempt.attributes['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
  expect(Number(attempt.attributes['gen_ai.response.time_to_first_chunk'])).toBeGreaterThan(0);
  // 8 tokens at 25-40 tokens/s: the attempt span covers the stream, not just its first byte.
  expect(attempt.durationMs).toBeGreaterThan(150);
}

/** Every attribute value of every stored span, and of this trace, is free of the secrets. */
async function expectNoSecrets(spans: readonly StoredSpan[], secrets: readonly string[]): Promise<void> {
  const all = await h.db().execute('SELECT attributes_json FROM trace_spans');
  const values = [
    ...spans.flatMap((s) => Object.values(s.attributes).map(String)),
    ...all.rows.map((r) => String(r['attributes_json'])),
  ];
  expect(values.length).toBeGreaterThan(10);
  for (const v of values) for (const secret of secrets) expect(v).not.toContain(secret);
}

describe('one trace per request, edge → proxy → upstream', () => {
  it('forward mode: the edge continues the client trace and the proxy continues the edge forward span', async () => {
    const s = h.stack();
    const traceId = randomTraceId();
    const res = await fetch(`${s.edgeUrl}/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${s.apiKey}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${CLIENT_SPAN}-01`,
        ...devLocation(CLIENTS.newYork),
      },
      body,
    });
    await readAll(res);
    const edgeName = 'POST /v4/acme/chat/v1/chat/completions';
    const spans = await waitForSpans(traceId, [edgeName, 'edge decide', 'edge forward', 'proxy admission', 'chat demo-llm']);
    const edgeServer = spans.find((x) => x.name === edgeName && x.service === 'switchyard-edge');
    const proxyServer = spans.find((x) => x.name === edgeName && x.service === 'switchyard-proxy');
    if (edgeServer === undefined || proxyServer === undefined) throw new Error('missing server spans');
    expect(edgeServer.parentSpanId).toBe(CLIENT_SPAN);
    const decide = one(spans, 'edge decide');
    const forward = one(spans, 'edge forward');
    expect(decide.parentSpanId).toBe(edgeServer.spanId);
    expect(forward.parentSpanId).toBe(edgeServer.spanId);
    expect(proxyServer.parentSpanId).toBe(forward.spanId);
    expect(one(spans, 'proxy admission').parentSpanId).toBe(proxyServer.spanId);
    expectUpstreamAttempt(spans, proxyServer);
    expect(spans).toHaveLength(6);
    const served = res.headers.get('x-switchyard-cluster') ?? res.headers.get('x-sim-cluster');
    expect(decide.attributes).toMatchObject({ 'switchyard.cluster.chosen': served, 'switchyard.candidates': 4, 'switchyard.answer_mode': 'forward' });
    expect(decide.attributes['switchyard.cluster.tier']).toMatch(/hot|warm|cold/);
    expect(decide.attributes['switchyard.decision.reason']).toEqual(expect.any(String));
    expect(Number(decide.attributes['switchyard.cluster.predicted_latency_ms'])).toBeGreaterThan(0);
    const listed = (await listRecentTraces(h.db(), 20)).find((t) => t.traceId === traceId);
    expect(listed).toMatchObject({ rootName: edgeName, service: 'switchyard-edge', spanCount: 6, error: false });
    await expectNoSecrets(spans, [s.apiKey, 'sy_token']);
    // Both server spans name the tenant once its key / token verified; every span of the trace is
    // stored under it (the receiver's row cap is shared by project).
    expect([edgeServer.attributes['switchyard.project'], proxyServer.attributes['switchyard.project']]).toEqual(['acme', 'acme']);
    const projects = await h.db().execute({ sql: 'SELECT DISTINCT project FROM trace_spans WHERE trace_id = ?', args: [traceId] });
    expect(projects.rows.map((r) => r['project'])).toEqual(['acme']);
  });

  it('token mode: the proxy continues the decision span named in the token, not the client header', async () => {
    const s = h.stack();
    const traceId = randomTraceId();
    const answer = await fetch(`${s.edgeUrl}/token/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.apiKey}`, traceparent: `00-${traceId}-${CLIENT_SPAN}-01`, ...devLocation(CLIENTS.frankfurt) },
    });
    expect(answer.status).toBe(200);
    const { token, url } = (await answer.json()) as { token: string; url: string };
    // The client's own (unrelated) trace context must not split the request from its decision.
    const otherTrace = randomTraceId();
    await readAll(
      await fetch(url, {
        method: 'POST',
        headers: {
          'x-switchyard-token': token,
          authorization: `Bearer ${s.apiKey}`,
          'content-type': 'application/json',
          traceparent: `00-${otherTrace}-${CLIENT_SPAN}-01`,
        },
        body,
      }),
    );
    const spans = await waitForSpans(traceId, ['POST /token/v4/acme/chat/v1/chat/completions', 'edge decide', 'proxy admission', 'chat demo-llm']);
    const edgeServer = one(spans, 'POST /token/v4/acme/chat/v1/chat/completions');
    const decide = one(spans, 'edge decide');
    const proxyServer = one(spans, 'POST /v4/acme/chat/v1/chat/completions');
    expect(edgeServer.parentSpanId).toBe(CLIENT_SPAN);
    expect(decide.parentSpanId).toBe(edgeServer.spanId);
    expect(decide.attributes['switchyard.answer_mode']).toBe('token');
    expect(proxyServer.parentSpanId).toBe(decide.spanId);
    expect(proxyServer.service).toBe('switchyard-proxy');
    expectUpstreamAttempt(spans, proxyServer);
    expect(await getTrace(h.db(), otherTrace)).toHaveLength(0);
    await expectNoSecrets(spans, [s.apiKey, token, token.split('.')[2] ?? token]);
  });
});
