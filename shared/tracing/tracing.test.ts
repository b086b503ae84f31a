import { describe, expect, it } from 'vitest';
import { safeAttributes } from './attributes.ts';
import { genAiOperation, genAiRequestFacts, genAiUsageFromTail, timePerOutputTokenSeconds } from './genai.ts';
import { rootSampled, shouldSample, untrustedParentSampled } from './sampling.ts';
import { otlpUrlProblem, tracesUrl } from './trace-settings.ts';
import { chooseParent, formatTraceparent, parseTraceparent } from './traceparent.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it.each([
    [`00-${T}-${S}-01`, { traceId: T, spanId: S, sampled: true }],
    [`00-${T}-${S}-00`, { traceId: T, spanId: S, sampled: false }],
    [` 00-${T}-${S}-03 `, { traceId: T, spanId: S, sampled: true }],
    [`01-${T}-${S}-01-extra`, { traceId: T, spanId: S, sampled: true }],
    [`00-${T}-${S}-01-extra`, null], // version 00 has exactly four fields
    [`ff-${T}-${S}-01`, null], // version ff is invalid
    [`00-${'0'.repeat(32)}-${S}-01`, null],
    [`00-${T}-${'0'.repeat(16)}-01`, null],
    [`00-${T.toUpperCase()}-${S}-01`, null],
    [`00-${T}-${S}`, null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%j', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it('formats what it parses', () => {
    for (const sampled of [true, false]) {
      const ctx = { traceId: T, spanId: S, sampled };
      expect(parseTraceparent(formatTraceparent(ctx))).toEqual(ctx);
    }
  });
});

describe('chooseParent', () => {
  const header = { traceId: T, spanId: S, sampled: true };
  const sameTrace = { traceId: T, spanId: 'aaaaaaaaaaaaaaaa', sampled: true };
  const otherTrace = { traceId: 'b'.repeat(32), spanId: 'cccccccccccccccc', sampled: false };
  it.each([
    ['no context at all', null, null, null],
    ['header only', header, null, header],
    ['token only (token mode)', null, sameTrace, sameTrace],
    // The edge forwards the token's tp as traceparent; a different header of the same trace is a
    // token-mode client's and must not flip the signed sampling decision or re-parent the proxy.
    ['a client header of the token trace loses to the token', header, sameTrace, sameTrace],
    ['a client header of the token trace cannot unsample it', { ...sameTrace, spanId: S, sampled: false }, sameTrace, sameTrace],
    ['a client header of another trace loses to the token', header, otherTrace, otherTrace],
  ])('%s', (_name, h, t, expected) => {
    expect(chooseParent(h, t)).toEqual(expected);
  });
});

describe('sampling', () => {
  it.each([
    [null, `${'a'.repeat(19)}${'0'.repeat(13)}`, 0.5, true],
    [null, `${'a'.repeat(19)}${'f'.repeat(13)}`, 0.5, false],
    [null, T, 1, true],
    [null, T, 0, false],
    [{ sampled: true }, T, 0, true],
    [{ sampled: false }, T, 1, false],
  ])('parent %j, trace %s, ratio %d → %s', (parent, traceId, ratio, expected) => {
    expect(shouldSample(parent, traceId, ratio)).toBe(expected);
  });

  // A client's traceparent may decline recording but not force it past the operator's ratio.
  it.each([
    [true, 0, 0, false],
    [true, 0.01, 0.5, false],
    [true, 0.01, 0.005, true],
    [true, 1, 0.999, true],
    [false, 1, 0, false],
  ])('untrusted parent sampled=%s at ratio %d, draw %d → %s', (sampled, ratio, draw, expected) => {
    expect(untrustedParentSampled({ sampled }, ratio, draw)).toBe(expected);
  });

  it('samples about the ratio of random ids', () => {
    let n = 0;
    for (let i = 0; i < 4000; i++) {
      const id = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
      if (rootSampled(id, 0.25)) n++;
    }
    expect(n / 4000).toBeGreaterThan(0.2);
    expect(n / 4000).toBeLessThan(0.3);
  });
});

describe('safeAttributes', () => {
  const jws = 'eyJhbGciOiJFZERTQSJ9.eyJhcHAiOiJhY21lL2NoYXQifQ.c2lnbmF0dXJlLXZhbHVl';
  it.each([
    ['gen_ai.usage.input_tokens', 12, false, 12],
    ['gen_ai.request.model', 'demo-llm', false, 'demo-llm'],
    ['http.request.header.authorization', 'Bearer x', true, undefined],
    ['http.request.header.x-switchyard-token', 'abc', true, undefined],
    ['app.api_key', 'whatever', true, undefined],
    ['switchyard.apiKey', 'whatever', true, undefined],
    ['db.password', 'x', true, undefined],
    ['anything', jws, true, undefined],
    ['anything', `token=${jws}`, true, undefined],
    ['anything', 'sk-acme-demo-0123456789abcdef', true, undefined],
    ['anything', 'Bearer abc', true, undefined],
    ['url.full', `http://p:1/v4/a/b/c?sy_token=${jws}`, true, 'http://p:1/v4/a/b/c'],
    ['url.full', 'http://user:pw@p:1/x#frag', true, 'http://p:1/x'],
    ['url.query', 'a=b', true, undefined],
    ['url.path', '/v4/acme/chat/v1/chat/completions', false, '/v4/acme/chat/v1/chat/completions'],
    ['url.path', 'http://user:hunter2@p:1/v4/a/b/c', false, 'http://p:1/v4/a/b/c'],
    ['url.path', '/v4/a/b/c?key=abc#x', false, '/v4/a/b/c'],
    ['gen_ai.input.messages', '[{"role":"user"}]', false, undefined],
    ['gen_ai.input.messages', '[{"role":"user"}]', true, '[{"role":"user"}]'],
    ['gen_ai.input.messages', '[{"content":"my key is sk-abcdefghijklmnop"}]', true, undefined],
    ['n', Number.NaN, true, undefined],
    ['b', false, false, false],
  ])('%s = %j (content %s) → %j', (key, value, allowContent, expected) => {
    expect(safeAttributes({ [key]: value }, { allowContent })[key]).toEqual(expected);
  });

  it('cuts long values', () => {
    const out = safeAttributes({ s: 'x'.repeat(10_000) }, { allowContent: false });
    expect(String(out['s']).length).toBe(4096);
  });
});

describe('genai', () => {
  it.each([
    ['v1/chat/completions', 'chat'],
    ['/v1/chat/completions', 'chat'],
    ['v1/completions', 'text_completion'],
    ['v1/embeddings', 'embeddings'],
    ['generate', null],
  ])('operation of %s', (fn, op) => {
    expect(genAiOperation(fn)).toBe(op);
  });

  it.each([
    ['{"model":"demo-llm","stream":true,"messages":[]}', { model: 'demo-llm', stream: true }],
    ['{"model":"demo-llm","messages":[]}', { model: 'demo-llm', stream: false }],
    ['{"model":"demo-llm","stream":true,"messages":[{"role":"us', { model: 'demo-llm', stream: true }],
    ['{"messages":[{"role":"us', { model: null, stream: null }],
    ['[1,2]', { model: null, stream: null }],
    ['not json', { model: null, stream: null }],
  ])('request facts of %s', (body, expected) => {
    expect(genAiRequestFacts(body)).toEqual(expected);
  });

  it.each([
    ['data: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}\n\ndata: [DONE]\n\n', { inputTokens: 12, outputTokens: 34 }],
    ['{"id":"x","choices":[{"message":{}}],"usage":{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens":7}}', { inputTokens: 5, outputTokens: 7 }],
    ['{"usage":{"input_tokens":3,"output_tokens":4}}', { inputTokens: 3, outputTokens: 4 }],
    ['data: {"usage":null}\n\n', null],
    ['data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', null],
  ])('usage from %s', (tail, expected) => {
    expect(genAiUsageFromTail(tail)).toEqual(expected);
  });

  it.each([
    [100, 1100, 11, 0.1],
    [100, 1100, 1, null],
    [100, 50, 10, null],
  ])('time per output token %d..%d over %d tokens', (first, end, tokens, expected) => {
    expect(timePerOutputTokenSeconds(first, end, tokens)).toBe(expected);
  });
});

describe('trace settings', () => {
  it.each([
    ['http://127.0.0.1:4318/v1/traces', null],
    ['https://otel.example/v1/traces', null],
    ['ftp://x', 'must use http:// or https://, not ftp:'],
    ['not a url', 'must be an http(s):// URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318/v1/traces)'],
    ['http://u:p@x/v1/traces', 'must not carry credentials in the URL'],
  ])('%s', (url, problem) => {
    expect(otlpUrlProblem(url)).toBe(problem);
  });

  it.each([
    [null, null, null],
    ['http://a/v1/traces', 'http://b', 'http://a/v1/traces'],
    [null, 'http://b/', 'http://b/v1/traces'],
    ['', 'http://b', 'http://b/v1/traces'],
  ])('traces URL from %j and %j', (traces, base, expected) => {
    expect(tracesUrl(traces, base)).toBe(expected);
  });
});
