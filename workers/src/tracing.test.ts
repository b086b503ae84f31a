import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../control/otlp-receiver/decode-otlp-json.ts';
import { generateKeyPair } from '../../shared/tokens/index.ts';
import { loadConfig } from './shared-deps.ts';
import { EdgeTrace, randomHex } from './tracing.ts';
import { msToNanos } from './tracing-otlp.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';
const cfg = { tracesUrl: 'http://collector.test/v1/traces', sampleRatio: 1, serviceName: 'switchyard-edge' };

function capture(): { fetcher: typeof fetch; bodies: unknown[]; headers: Headers[] } {
  const bodies: unknown[] = [];
  const headers: Headers[] = [];
  const fetcher = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    headers.push(new Headers(init?.headers));
    return new Response('{}', { status: 200 });
  }) as typeof fetch;
  return { fetcher, bodies, headers };
}

describe('EdgeTrace', () => {
  it('continues an incoming traceparent and exports parented spans our receiver decodes', async () => {
    let now = 1_750_000_000_000;
    const t = new EdgeTrace(`00-${T}-${S}-01`, cfg, { now: () => (now += 1.5), randomHex });
    const server = t.start('POST /v4/acme/chat/v1/chat/completions', 'server', null, { 'switchyard.app': 'acme/chat' });
    const decide = t.start('edge decide', 'internal', server, { 'switchyard.cluster.chosen': 'eu-west-1', 'switchyard.candidates': 4 });
    decide.end();
    const forward = t.start('edge forward', 'client', server, { 'url.full': 'http://p/v4/x?sy_token=eyJhbGciOi.eyJhcHAiOiJh.c2lnbmF0dXJl' });
    expect(forward.traceparent).toBe(`00-${T}-${forward.spanId}-01`);
    forward.end('503');
    server.end();
    const { fetcher, bodies } = capture();
    await t.export(fetcher, () => undefined);
    const decoded = decodeOtlpJson(bodies[0]);
    if (typeof decoded === 'string') throw new Error(decoded);
    expect(decoded.rejected).toBe(0);
    const [d, f, s] = decoded.rows;
    expect(s).toMatchObject({ traceId: T, parentSpanId: S, kind: 2, service: 'switchyard-edge', statusCode: 0 });
    expect(d).toMatchObject({ parentSpanId: s?.spanId, kind: 1, attributes: { 'switchyard.cluster.chosen': 'eu-west-1', 'switchyard.candidates': 4 } });
    expect(f).toMatchObject({ parentSpanId: s?.spanId, kind: 3, statusCode: 2, attributes: { 'url.full': 'http://p/v4/x', 'error.type': '503' } });
    // Spans are exported once.
    await t.export(fetcher, () => undefined);
    expect(bodies).toHaveLength(1);
  });

  it('records nothing when not sampled but still hands on the not-sampled flag', async () => {
    const t = new EdgeTrace(null, { ...cfg, sampleRatio: 0 }, { now: () => 1, randomHex });
    const s = t.start('x', 'server', null);
    expect(s.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-00$/);
    s.end();
    const { fetcher, bodies } = capture();
    await t.export(fetcher, () => undefined);
    expect(bodies).toHaveLength(0);
  });

  it('follows an unsampled parent even at ratio 1, and starts a root for a malformed one', () => {
    expect(new EdgeTrace(`00-${T}-${S}-00`, cfg, { now: () => 1, randomHex }).sampled).toBe(false);
    const root = new EdgeTrace('garbage', cfg, { now: () => 1, randomHex });
    expect(root.sampled).toBe(true);
    expect(root.traceId).not.toBe(T);
  });

  // The ratio bounds what tracing costs; a client on the internet must not lift it with
  // traceparent ...-01 (nor with a trace id it picked to fall under the ratio).
  it('a client parent flagged sampled cannot force recording past the ratio', () => {
    const low = `${'a'.repeat(19)}${'0'.repeat(13)}`;
    for (const id of [T, low]) {
      const t = new EdgeTrace(`00-${id}-${S}-01`, { ...cfg, sampleRatio: 0.01 }, { now: () => 1, randomHex, random: () => 0.5 });
      expect(t.sampled).toBe(false);
      expect(t.traceId).toBe(id); // the trace is still continued, only not recorded
    }
    expect(new EdgeTrace(`00-${T}-${S}-01`, { ...cfg, sampleRatio: 0.01 }, { now: () => 1, randomHex, random: () => 0.001 }).sampled).toBe(true);
  });

  it('a failing receiver is logged, never thrown', async () => {
    const t = new EdgeTrace(null, cfg, { now: () => 1, randomHex });
    t.start('x', 'server', null).end();
    const lines: string[] = [];
    await t.export((async () => { throw new Error('refused'); }) as typeof fetch, (l) => lines.push(l));
    expect(lines[0]).toContain('trace export failed');
  });

  it.each([
    [1_750_000_000_000, '1750000000000000000'],
    [1_750_000_000_000.25, '1750000000000250000'],
  ])('ms %d → ns %s exactly', (ms, ns) => {
    expect(msToNanos(ms)).toBe(ns);
  });
});

describe('tracing variables', () => {
  let base: Record<string, string>;
  beforeAll(async () => {
    const { privateJwk } = await generateKeyPair('cfg-test');
    base = { LIBSQL_URL: 'http://127.0.0.1:8080', TOKEN_SIGNING_KEY: JSON.stringify(privateJwk) };
  });

  it('is off by default and on with a URL', async () => {
    const off = await loadConfig(base);
    expect(off.ok && off.config.tracing).toBeNull();
    const on = await loadConfig({ ...base, EDGE_OTLP_TRACES_URL: 'http://127.0.0.1:4318/v1/traces', EDGE_TRACE_SAMPLE_RATIO: '0.1' });
    expect(on.ok && on.config.tracing).toEqual({ tracesUrl: 'http://127.0.0.1:4318/v1/traces', sampleRatio: 0.1, serviceName: 'switchyard-edge' });
  });

  // A hosted collector (or one reachable from Cloudflare at all) needs an API key on each export.
  it('sends EDGE_OTLP_TRACES_HEADERS with every export', async () => {
    const vars = { EDGE_OTLP_TRACES_URL: 'https://otel.example/v1/traces', EDGE_OTLP_TRACES_HEADERS: 'Authorization=Bearer%20k-123, x-team=edge' };
    const r = await loadConfig({ ...base, ...vars });
    if (!r.ok || r.config.tracing === null) throw new Error(JSON.stringify(r));
    const t = new EdgeTrace(null, r.config.tracing, { now: () => 1, randomHex });
    t.start('x', 'server', null).end();
    const { fetcher, headers } = capture();
    await t.export(fetcher, () => undefined);
    expect(headers[0]?.get('authorization')).toBe('Bearer k-123');
    expect(headers[0]?.get('x-team')).toBe('edge');
    expect(headers[0]?.get('content-type')).toBe('application/json');
  });

  it.each(['novalue', 'bad name=x', 'a=%E0%A4%A', 'a=x%0D%0Ay: z'])('EDGE_OTLP_TRACES_HEADERS %j is refused without echoing it', async (raw) => {
    const r = await loadConfig({ ...base, EDGE_OTLP_TRACES_URL: 'https://otel.example/v1/traces', EDGE_OTLP_TRACES_HEADERS: raw });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const problem = r.errors.find((e) => e.variable === 'EDGE_OTLP_TRACES_HEADERS');
    expect(problem?.value).toBe('<redacted>');
  });

  it.each([
    [{ EDGE_OTLP_TRACES_URL: 'collector:4318' }, 'EDGE_OTLP_TRACES_URL'],
    [{ EDGE_OTLP_TRACES_URL: 'http://u:p@c/v1/traces' }, 'EDGE_OTLP_TRACES_URL'],
    [{ EDGE_TRACE_SAMPLE_RATIO: '2' }, 'EDGE_TRACE_SAMPLE_RATIO'],
    [{ EDGE_TRACE_SAMPLE_RATIO: 'half' }, 'EDGE_TRACE_SAMPLE_RATIO'],
  ])('%j is refused, naming the variable', async (vars, variable) => {
    const r = await loadConfig({ ...base, ...vars });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.variable)).toContain(variable);
  });
});
