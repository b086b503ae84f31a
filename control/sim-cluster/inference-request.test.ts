import { describe, expect, it } from 'vitest';
import { countWords, parseInferenceRequest } from './inference-request.ts';

const msgs = [{ role: 'user', content: 'one two three' }];

describe('parseInferenceRequest', () => {
  it.each([
    ['chat default', 'chat', { messages: msgs }, { stream: false, maxTokens: 16, finishReason: 'stop', promptTokens: 3, includeUsage: false }],
    ['chat max_tokens', 'chat', { messages: msgs, max_tokens: 5 }, { maxTokens: 5, finishReason: 'length' }],
    ['chat max_completion_tokens wins', 'chat', { messages: msgs, max_tokens: 5, max_completion_tokens: 7 }, { maxTokens: 7 }],
    ['chat parts', 'chat', { messages: [{ role: 'user', content: [{ type: 'text', text: 'a b' }] }, { role: 'assistant', content: null }] }, { promptTokens: 2 }],
    ['stream with usage', 'chat', { messages: msgs, stream: true, stream_options: { include_usage: true } }, { stream: true, includeUsage: true }],
    ['completion string', 'completion', { prompt: 'a b c d' }, { kind: 'completion', promptTokens: 4 }],
    ['completion strings', 'completion', { prompt: ['a b', 'c'] }, { promptTokens: 3 }],
    ['completion token ids', 'completion', { prompt: [1, 2, 3, 4, 5] }, { promptTokens: 5 }],
  ] as const)('%s', (_name, kind, body, expected) => {
    const r = parseInferenceRequest(kind, body, 16);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.request).toMatchObject(expected);
  });

  it.each([
    ['not an object', 'chat', 'hi', 'body'],
    ['no messages', 'chat', {}, 'messages'],
    ['message without role', 'chat', { messages: [{ content: 'x' }] }, 'messages[0]'],
    ['bad content', 'chat', { messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    ['negative max_tokens', 'chat', { messages: msgs, max_tokens: -1 }, 'max_tokens'],
    ['n > 1', 'chat', { messages: msgs, n: 2 }, 'n'],
    ['stream string', 'completion', { prompt: 'x', stream: 'true' }, 'stream'],
    ['empty prompt array', 'completion', { prompt: [] }, 'prompt'],
  ] as const)('%s → 400 on %s', (_name, kind, body, param) => {
    const r = parseInferenceRequest(kind, body, 16);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.status, r.error.param]).toEqual([400, param]);
  });

  it.each([
    ['', 0],
    ['  ', 0],
    ['one', 1],
    [' a  b\nc ', 3],
  ])('countWords(%j) = %i', (text, n) => {
    expect(countWords(text)).toBe(n);
  });
});
