import { describe, expect, it } from 'vitest';
import { continuationStart, tokensOfAnswer } from './continuation.ts';
import { answerText } from './openai-format.ts';

describe('continuationStart', () => {
  const chat = (content: string, extra: Record<string, unknown> = {}): unknown => ({
    messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content }],
    continue_final_message: true,
    add_generation_prompt: false,
    ...extra,
  });
  it.each([
    ['a plain chat request', 'chat', { messages: [{ role: 'user', content: 'hi' }] }, 0],
    ['a chat continuation of 20 tokens', 'chat', chat(answerText(20)), 20],
    ['a chat continuation of foreign text (word count)', 'chat', chat('hello there'), 2],
    ['a completion prompt ending with 13 tokens', 'completion', { prompt: `Say:${answerText(13)}` }, 13],
    ['a plain completion prompt', 'completion', { prompt: 'Say hi' }, 0],
  ] as const)('%s → %s', (_name, kind, body, start) => {
    expect(continuationStart(kind, body)).toBe(start);
  });

  it('refuses continue_final_message with the generation prompt on, as vLLM does', () => {
    const r = continuationStart('chat', chat('x', { add_generation_prompt: true }));
    expect(typeof r === 'number' ? null : r.status).toBe(400);
  });

  it('recognises only exact prefixes of its own answer', () => {
    expect(tokensOfAnswer(answerText(31))).toBe(31);
    expect(tokensOfAnswer('The quack')).toBeNull();
  });
});
