/**
 * Issue 14 #2, end to end: the replica process carrying a chat stream is SIGKILLed after 20 of
 * 200 tokens. The app opts in to continuation, so the regional proxy asks a replica of the
 * token's fallback cluster to continue the partial answer and splices it in: the official
 * `openai` SDK, through the edge, sees one uninterrupted stream of all 200 tokens with one id,
 * and the outcome rows in libSQL say the stream was "continued".
 *
 * The simulator runs each cluster's replicas in one process, so the SIGKILL takes the whole
 * serving cluster (eu-west-1 or eu-central-1, both behind proxy-eu-west): the continuation
 * lands on the other EU cluster, the token's fallback.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { answerText } from '../control/sim-cluster/openai-format.ts';
import { CLIENTS, devLocation, sleep, useStack } from './stack.ts';

const h = useStack(26_000);

/**
 * A fetch that keeps what the client received, byte for byte (decoded), so a short stream says
 * how it ended: a `[DONE]` or finish mid-answer, an `event: error` the SDK skipped, the proxy's
 * continuation comment, or nothing at all (a clean end of the HTTP body).
 */
function recordingFetch(raw: string[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.body === null) return res;
    const decoder = new TextDecoder();
    const seen = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        raw.push(decoder.decode(chunk, { stream: true }));
        c.enqueue(chunk);
      },
      flush() {
        raw.push('<<body ended cleanly>>');
      },
    });
    return new Response(res.body.pipeThrough(seen), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** What the client saw besides the tokens: every non-token event, and the last bytes. */
function howItEnded(raw: readonly string[]): string {
  const all = raw.join('');
  const events = all.split(/\n\n/);
  const notTokens = events.filter((e) => e.trim() !== '' && !/"delta":\{"content":"[^"]*"\}/.test(e));
  return `non-token events: ${JSON.stringify(notTokens.map((e) => e.slice(0, 300)))}; last bytes: ${JSON.stringify(all.slice(-600))}`;
}

describe('a stream continues after its replica is killed, through the edge', () => {
  it('gives the OpenAI SDK one uninterrupted stream of 200 tokens with one id', async () => {
    const raw: string[] = [];
    const rules = { functions: ['v1/*'], streams: { continuation: true } };
    await h.db().execute({ sql: "UPDATE apps SET requests_json = ? WHERE id = 'acme/eu-chat'", args: [JSON.stringify(rules)] });
    await sleep(3_000); // proxies re-read app rules every 2 s
    const client = new OpenAI({
      baseURL: `${h.stack().edgeUrl}/v4/acme/eu-chat/v1`,
      apiKey: h.stack().apiKey,
      maxRetries: 0,
      defaultHeaders: devLocation(CLIENTS.frankfurt),
      fetch: recordingFetch(raw),
    });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'demo-llm', stream: true, max_tokens: 200, messages: [{ role: 'user', content: 'a long answer please' }] })
      .withResponse();
    const victim = response.headers.get('x-sim-cluster') ?? '';
    expect(['eu-west-1', 'eu-central-1']).toContain(victim);
    const ids = new Set<string>();
    let text = '';
    let tokens = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      const delta = chunk.choices[0]?.delta.content ?? '';
      if (delta !== '') {
        tokens += 1;
        text += delta;
        if (tokens === 20) await h.stack().killCluster(victim);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    const decision = response.headers.get('x-switchyard-decision-id') ?? '';
    const deadline = Date.now() + 10_000;
    let rows: Array<Record<string, unknown>> = [];
    while (Date.now() < deadline) {
      rows = (await h.db().execute({ sql: 'SELECT * FROM outcomes WHERE decision_id = ? ORDER BY attempt', args: [decision] })).rows;
      if (rows.some((r) => r['stream_recovery'] === 'continued')) break;
      await sleep(200);
    }
    // Seen once under load (session 14): the stream ended quietly after 57 tokens. Say how it ended:
    // what the client received, and each attempt's outcome row as the proxy recorded it.
    const how = `ended after ${tokens} tokens, finish ${String(finish)}, text ${text.length} chars; ${howItEnded(raw)}; outcome rows: ${JSON.stringify(rows)}`;
    expect(tokens, how).toBeGreaterThanOrEqual(200);
    expect(text, how).toBe(answerText(200));
    expect(ids.size, how).toBe(1);
    expect(finish, how).toBe('length');

    expect(rows[0]?.['cluster_id']).toBe(victim);
    const continued = rows.find((r) => r['stream_recovery'] === 'continued');
    expect(continued?.['cluster_id']).not.toBe(victim);
  }, 90_000);
});
