import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { projectCacheSalt } from '../src/prompt-cache-salt.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

const EDGE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const EDGE_SPAN = '00f067aa0ba902b7';
const API_KEY = 'sk-acme-demo-0123456789abcdef';
const PROMPT = 'say something nice';
/** Apps whose body the proxy reads before the first attempt (and salts for the project's prompt cache). */
const AWARE = 'acme/aware';
const BUDGETED = 'acme/budgeted';

describe('a traced streaming chat completion through the proxy', () => {
  let sim: SimCluster;
  let keys: TestKeys;
  let proxy: RunningProxy;
  let optedIn: RunningProxy;
  const spans = new InMemorySpanExporter();
  const optedInSpans = new InMemorySpanExporter();

  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 50 });
    const endpoints = [APP, AWARE, BUDGETED].map((app) => ({ cluster: 'c1', app, url: sim.url }));
    // Forwarding the Authorization header to the replica is the app's choice; spans still never carry it.
    const apps = [
      { id: APP, strategy: 'round-robin', requests: { forwardAuthorization: true } },
      { id: AWARE, strategy: 'inference-aware' },
      { id: BUDGETED, requests: { tokenBudget: { tokensPerMinute: 1_000_000 } } },
    ];
    proxy = await startTestProxy({ endpoints, apps, jwks: keys.jwks, config: { adminPort: 0 }, deps: { traceExporter: spans } });
    optedIn = await startTestProxy({ endpoints, apps, jwks: keys.jwks, config: { traceContentApps: [APP, AWARE, BUDGETED].join(','), replicaScrapeIntervalMs: 0 }, deps: { traceExporter: optedInSpans } });
  });
  afterAll(async () => {
    await proxy.close();
    await optedIn.close();
    await sim.close();
  });

  async function send(p: RunningProxy, tp: string, app = APP) {
    const token = await keys.mint({ cluster: 'c1', tp, app });
    const r = await rawRequest(p.url, {
      path: `/v4/${app}/v1/chat/completions?sy_token=${token}`,
      body: chatBody({ stream: true, max_tokens: 10, stream_options: { include_usage: true } }),
      headers: { accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` },
    });
    expect(r.status).toBe(200);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    await p.runtime.tracing?.flush();
    return { token, r };
  }

  it('continues the token trace: server, admission and a CLIENT attempt span that ends with the stream', async () => {
    const { token, r } = await send(proxy, `00-${EDGE_TRACE}-${EDGE_SPAN}-01`);
    const got = spans.getFinishedSpans();
    const byName = (n: string): ReadableSpan => {
      const s = got.find((x) => x.name === n);
      if (s === undefined) throw new Error(`no span ${n} in ${got.map((x) => x.name).join(', ')}`);
      return s;
    };
    const server = byName(`POST /v4/${APP}/v1/chat/completions`);
    const admission = byName('proxy admission');
    const attempt = byName('chat demo-llm');
    expect(got).toHaveLength(3);
    for (const s of got) expect(s.spanContext().traceId).toBe(EDGE_TRACE);
    expect(server.parentSpanContext?.spanId).toBe(EDGE_SPAN);
    expect(admission.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(attempt.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(server.kind).toBe(1); // SpanKind.SERVER
    expect(attempt.kind).toBe(2); // SpanKind.CLIENT
    expect(attempt.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'demo-llm',
      'gen_ai.request.stream': true,
      'gen_ai.usage.output_tokens': 10,
      'switchyard.stream.end': 'completed',
      'switchyard.cluster': 'c1',
    });
    expect(attempt.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(attempt.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(attempt.attributes['url.full']).toBe(`${sim.url}/v1/chat/completions`);
    // 10 tokens at 50/s: the attempt lasts the whole stream, not just to the first byte.
    const ms = (s: ReadableSpan): number => (s.endTime[0] - s.startTime[0]) * 1000 + (s.endTime[1] - s.startTime[1]) / 1e6;
    expect(ms(attempt)).toBeGreaterThan(150);
    // The replica got the attempt span as its parent.
    const received = JSON.parse(String(r.headers['x-sim-received-headers'])) as Record<string, string>;
    expect(received['traceparent']).toBe(`00-${EDGE_TRACE}-${attempt.spanContext().spanId}-01`);
    // Nothing secret and no prompt in any attribute of any span.
    const everything = JSON.stringify(got.map((s) => s.attributes));
    for (const secret of [token, API_KEY, PROMPT, 'sy_token']) expect(everything).not.toContain(secret);
  });

  it('counts GenAI metrics per app and cluster', async () => {
    const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
    const labels = `app="${APP}",cluster="c1"`;
    expect(text).toContain(`switchyard_proxy_gen_ai_tokens_total{${labels},type="output"} 10`);
    expect(text).toMatch(new RegExp(`switchyard_proxy_gen_ai_tokens_total\\{${labels},type="input"\\} [1-9]`));
    expect(text).toContain(`switchyard_proxy_gen_ai_streams_total{${labels},result="completed"} 1`);
    expect(text).toContain(`switchyard_proxy_gen_ai_time_to_first_chunk_seconds_count{${labels}} 1`);
    expect(text).toContain(`switchyard_proxy_gen_ai_time_per_output_token_seconds_count{${labels}} 1`);
  });

  it('records nothing for a parent that was not sampled', async () => {
    spans.reset();
    await send(proxy, `00-${EDGE_TRACE}-${EDGE_SPAN}-00`);
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });

  it('puts the prompt in the attempt span only for an app that opted in, and never the key', async () => {
    const { token } = await send(optedIn, `00-${EDGE_TRACE}-${EDGE_SPAN}-01`);
    const attempt = optedInSpans.getFinishedSpans().find((s) => s.kind === 2);
    expect(String(attempt?.attributes['gen_ai.input.messages'])).toContain(PROMPT);
    const everything = JSON.stringify(optedInSpans.getFinishedSpans().map((s) => s.attributes));
    for (const secret of [token, API_KEY]) expect(everything).not.toContain(secret);
  });

  // Their bodies are read whole before the first attempt (and rewritten: the project's salt, a
  // budget's usage). The trace records them as the client sent them, GenAI facts and all; before,
  // it recorded nothing of such a body, and a trace must never show the salt.
  it.each([AWARE, BUDGETED])('%s: a body read before the attempt is traced as sent, never with its salt', async (app) => {
    optedInSpans.reset();
    const { token } = await send(optedIn, `00-${EDGE_TRACE}-${EDGE_SPAN}-01`, app);
    const attempt = optedInSpans.getFinishedSpans().find((s) => s.kind === 2);
    expect(attempt?.name).toBe('chat demo-llm');
    expect(String(attempt?.attributes['gen_ai.input.messages'])).toContain(PROMPT);
    const everything = JSON.stringify(optedInSpans.getFinishedSpans().map((s) => s.attributes));
    for (const secret of [token, projectCacheSalt({ secret: '', project: 'acme' }, null), 'cache_salt']) expect(everything).not.toContain(secret);
  });
});
