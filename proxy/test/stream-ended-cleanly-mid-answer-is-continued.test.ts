/**
 * A replica whose stream body ends cleanly mid-answer (no `finish_reason`, no `[DONE]`: what an
 * ingress or sidecar in front of a dying engine may send, or a dev server restarting) is cut all
 * the same. For an app that opts in to continuation the answer goes on elsewhere; with nowhere to
 * go on it ends with an SSE error event. Before, the proxy passed the clean end on, and the
 * client got a short answer that looked finished.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText, tokenText } from '../../control/sim-cluster/openai-format.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys } from './harness.ts';

const SENT = 5;

/** Streams SENT tokens of the simulator's answer, then ends the body cleanly, unfinished. */
async function startCleanEnder(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.end('ok');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object): string =>
        `data: ${JSON.stringify({ id: 'chatcmpl-cut', object: 'chat.completion.chunk', created: 1, model: 'demo-llm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      for (let i = 0; i < SENT; i++) res.write(chunk({ content: tokenText(i) }));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface Chunk {
  id: string;
  choices: Array<{ delta?: { content?: string }; finish_reason: string | null }>;
}

describe('a stream body that ends cleanly mid-answer', () => {
  let ender: Awaited<ReturnType<typeof startCleanEnder>>;
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    ender = await startCleanEnder();
    sim = await startReplica('c2', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: ender.url }, { cluster: 'c2', url: sim.url }],
      apps: [{ id: APP, requests: { streams: { continuation: true } } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([ender.close(), sim.close()]);
  });

  it('is continued on the fallback: the whole answer, one id, a finish and [DONE]', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 30 }),
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1', fallbacks: ['c2'] }) },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/: switchyard: the replica died mid-stream; continued on c2/);
    const data = sseData(r.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-cut']));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(answerText(30));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('ends with an SSE error event when nothing is left to continue it on', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 30 }),
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c1' }) },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/event: error\ndata: \{"error":\{"message":"The stream failed on cluster c1 \(upstream-reset\) and was not continued: no replica was left to continue it/);
    expect(r.body).not.toContain('[DONE]');
  });
});
