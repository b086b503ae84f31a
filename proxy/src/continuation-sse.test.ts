import { describe, expect, it } from 'vitest';
import { continuationBody, readStreamRequest } from './continuation-request.ts';
import { ContinuableRelay, MAX_EVENT_CHARS, SseEventSplitter, StreamTracker } from './continuation-sse.ts';

const chunk = (id: string, delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id, created: 1, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('SseEventSplitter', () => {
  it.each([
    ['one event in two chunks', ['data: {"a"', ':1}\n\n'], ['data: {"a":1}\n\n']],
    ['two events in one chunk', ['data: 1\n\ndata: 2\n\n'], ['data: 1\n\n', 'data: 2\n\n']],
    ['CRLF boundaries', ['data: 1\r\n\r\n'], ['data: 1\r\n\r\n']],
    ['a split multi-byte character', [Buffer.from('data: é\n\n').subarray(0, 7), Buffer.from('data: é\n\n').subarray(7)], ['data: é\n\n']],
  ])('%s', (_name, parts, events) => {
    const s = new SseEventSplitter();
    const out = parts.flatMap((p) => s.push(Buffer.isBuffer(p) ? p : Buffer.from(p)) ?? []);
    expect(out).toEqual(events);
  });

  it('gives up on an event longer than the cap', () => {
    expect(new SseEventSplitter().push(Buffer.alloc(MAX_EVENT_CHARS + 1, 'a'))).toBeNull();
  });

  it('finds boundaries split between any two reads, CRLF and multi-byte text too', () => {
    const whole = Buffer.from('data: é1\r\n\r\n: ping\n\ndata: 😀2\n\r\ndata: 3\r\n\n');
    const expected = ['data: é1\r\n\r\n', ': ping\n\n', 'data: 😀2\n\r\n', 'data: 3\r\n\n'];
    for (const size of [1, 2, 3, 5]) {
      const s = new SseEventSplitter();
      const out: string[] = [];
      for (let i = 0; i < whole.length; i += size) out.push(...(s.push(whole.subarray(i, i + size)) ?? []));
      expect(out).toEqual(expected);
      expect(s.rest()).toBe('');
    }
  });

  it("reads a replica's long event in small writes once, not once per write (P1: one event loop for every tenant)", () => {
    // Searched whole for each of its 16,384 writes, this took ~10 s of the loop; now ~20 ms.
    const s = new SseEventSplitter();
    const piece = Buffer.alloc(64, 'a');
    const t0 = performance.now();
    expect(s.push(Buffer.from('data: '))).toEqual([]);
    for (let n = 0; n < MAX_EVENT_CHARS - 64; n += 64) expect(s.push(piece)?.length).toBe(0);
    expect(s.push(Buffer.from('\n\n'))?.[0]?.length).toBe(6 + Math.floor((MAX_EVENT_CHARS - 1) / 64) * 64 + 2);
    expect(performance.now() - t0).toBeLessThan(1_500);
  });
});

describe('ContinuableRelay past the event cap passes the bytes on unchanged', () => {
  // 'data: ' + 2-, 3- and 4-byte characters; every cut lands where the relay gives up (over the
  // cap), some of them inside a character: what the client gets must be the replica's bytes.
  const event = (ch: string): Buffer => Buffer.from(`data: ${ch.repeat(Math.ceil((MAX_EVENT_CHARS + 10) / ch.length))}\n\n`);
  it.each([
    ['é, cut inside a character', 'é', 1],
    ['é, cut on a boundary', 'é', 0],
    ['€, cut after its first byte', '€', 1],
    ['€, cut after its second byte', '€', 2],
    ['😀, cut after its third byte', '😀', 3],
  ])('%s', (_name, ch, into) => {
    const input = event(ch);
    const charBytes = Buffer.byteLength(ch);
    const charsPerUnit = ch.length; // UTF-16 units per character
    const cut = 6 + Math.ceil((MAX_EVENT_CHARS + 1) / charsPerUnit) * charBytes + into;
    const relay = new ContinuableRelay(new StreamTracker('chat', 1000));
    const parts = [input.subarray(0, cut), input.subarray(cut, cut + 1), input.subarray(cut + 1)].map((p) => relay.push(p));
    parts.push(relay.rest());
    const out = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    expect(out.equals(input)).toBe(true);
  });
});

describe('StreamTracker', () => {
  it('keeps the first id and text, then rewrites a continuation into the same stream', () => {
    const t = new StreamTracker('chat', 1000);
    expect(t.accept(chunk('a', { role: 'assistant', content: '' }))).toContain('"id":"a"');
    t.accept(chunk('a', { content: 'The' }));
    t.accept(chunk('a', { content: ' quick' }));
    expect([t.id, t.text, t.tokens]).toEqual(['a', 'The quick', 2]);
    t.startContinuation();
    expect(t.accept(chunk('b', { role: 'assistant', content: '' }))).toBeNull();
    expect(JSON.parse(t.accept(chunk('b', { content: ' brown' }))?.slice(6) ?? '{}')).toMatchObject({ id: 'a', created: 1 });
    expect(t.text).toBe('The quick brown');
    t.accept(chunk('b', {}, 'stop'));
    expect(t.finished).toBe(true);
  });

  it.each([
    ['a tool call', chunk('a', { tool_calls: [{ index: 0 }] }), 'a tool call is in flight'],
    ['a second choice', `data: ${JSON.stringify({ id: 'a', choices: [{ index: 1, delta: { content: 'x' } }] })}\n\n`, 'several choices'],
    ['non-JSON data', 'data: hello\n\n', 'not OpenAI JSON'],
    ['more text than the cap', chunk('a', { content: 'x'.repeat(11) }), 'more than 10 characters'],
  ])('blocks continuation after %s', (_name, event, why) => {
    const t = new StreamTracker('chat', 10);
    t.accept(event);
    expect(t.blocked).toContain(why);
  });
});

describe('continuation requests', () => {
  const read = (path: string, body: unknown, accept?: string): ReturnType<typeof readStreamRequest> =>
    readStreamRequest(path, accept, Buffer.from(JSON.stringify(body)));

  it.each([
    ['stream: true', '/v1/chat/completions', { stream: true, messages: [] }, undefined, true],
    ['Accept: text/event-stream', '/v1/chat/completions', { messages: [] }, 'text/event-stream', true],
    ['neither', '/v1/chat/completions', { messages: [] }, 'application/json', false],
  ])('%s → streaming %s', (_name, path, body, accept, streaming) => {
    expect(read(path, body, accept).streaming).toBe(streaming);
  });

  it.each([
    ['n > 1', '/v1/chat/completions', { n: 2, messages: [] }, 'n > 1'],
    ['an array prompt', '/v1/completions', { prompt: ['a', 'b'] }, 'single string prompt'],
    ['another function', '/v1/embeddings', { input: 'x' }, 'only chat/completions'],
  ])('%s cannot be continued', (_name, path, body, why) => {
    expect(read(path, body).notContinuable).toContain(why);
  });

  it('appends the partial answer as the final assistant message, vLLM style', () => {
    const req = read('/v1/chat/completions', { stream: true, max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] });
    expect(JSON.parse(continuationBody(req, 'The quick', 2).toString())).toEqual({
      stream: true,
      max_tokens: 198,
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'The quick' }],
      continue_final_message: true,
      add_generation_prompt: false,
    });
  });

  it('continues a completion by extending its prompt', () => {
    const req = read('/v1/completions', { stream: true, max_tokens: 5, prompt: 'Say:' });
    expect(JSON.parse(continuationBody(req, ' yes', 1).toString())).toMatchObject({ prompt: 'Say: yes', max_tokens: 4 });
  });
});
