/**
 * A source edit in the checkout while an e2e stack runs (an edit, a merge, a checkout) must not
 * touch the stack's edge. Under `wrangler dev` on the checkout's sources it did: wrangler rebuilt
 * and restarted the Worker, and every stream in flight through it ended with a clean end of body
 * and no error, which the OpenAI SDK takes for a finished (short) answer. That is how session 14's
 * continued stream ended quietly after 57 of 200 tokens: the e2e suite ran in /work/main while
 * files of the edge's bundle were written there (08:56:08 and 08:56:23, within that test's run).
 * The e2e stack's edge now serves a bundle built once into its state dir (`frozenEdge`).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { answerText } from '../control/sim-cluster/openai-format.ts';
import { CLIENTS, devLocation, useStack } from './stack.ts';

const h = useStack(26_400);
/** The Worker's entry: only the edge's bundle imports it. */
const EDGE_SOURCE = join(import.meta.dirname, '../workers/src/index.ts');

describe('an edit in the checkout while a stream runs through the e2e edge', () => {
  it('leaves the stream whole: every token, its finish reason', async () => {
    const client = new OpenAI({
      baseURL: `${h.stack().edgeUrl}/v4/acme/eu-chat/v1`,
      apiKey: h.stack().apiKey,
      maxRetries: 0,
      defaultHeaders: devLocation(CLIENTS.frankfurt),
    });
    const original = await readFile(EDGE_SOURCE, 'utf8');
    let text = '';
    let tokens = 0;
    let finish: string | null = null;
    try {
      // 400 tokens at 30-40 per second: the stream outlives a rebuild of the Worker by seconds.
      const stream = await client.chat.completions.create({ model: 'demo-llm', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'a long answer please' }] });
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content ?? '';
        if (delta !== '') {
          tokens += 1;
          text += delta;
          // What a save in an editor or a merge does: the same file, new bytes.
          if (tokens === 20) await appendFile(EDGE_SOURCE, '\n');
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    } finally {
      await writeFile(EDGE_SOURCE, original);
    }
    expect(tokens, `ended after ${tokens} tokens, finish ${String(finish)}`).toBe(400);
    expect(text).toBe(answerText(400));
    expect(finish).toBe('length');
  }, 90_000);
});
