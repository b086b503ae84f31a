/**
 * Issue 14 #2: a replica that dies after a chat stream emitted text, for an app that opts in
 * (`requests.streams.continuation`), is replaced mid-stream: the proxy asks a sibling to
 * continue the partial answer and splices it into the same stream (one id, no second role
 * chunk, the text carrying on where it stopped), says so in an SSE comment and the outcome.
 * A stream that cannot be continued ends with an SSE error event, never silently.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText } from '../../control/sim-cluster/openai-format.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { migrate } from '../../control/store/migrate.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, startTestProxy, testKeys, waitFor } from './harness.ts';

interface Chunk {
  id: string;
  choices: Array<{ delta?: { role?: string; content?: string }; text?: string; finish_reason: string | null }>;
}

describe('a stream continues when its replica dies', () => {
  let sims: SimCluster[];
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  let db: Client;
  beforeAll(async () => {
    keys = await testKeys();
    sims = [await startReplica('c1', 'r0', { tokensPerSecond: 100 }), await startReplica('c1', 'r1', { tokensPerSecond: 100 })];
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-cont-'));
    // Worker processes write the file too: wait for their lock rather than fail (SQLITE_BUSY).
    db = createClient({ url: `file:${join(dir, 'sy.db')}`, timeout: 5_000 });
    await migrate(db);
    proxy = await startTestProxy({
      endpoints: sims.map((s) => ({ cluster: 'c1', url: s.url })),
      apps: [{ id: APP, requests: { streams: { continuation: true } } }],
      jwks: keys.jwks,
      // Every body through the parse thread (a large one's path): the continuation is built there.
      config: { storeUrl: `file:${join(dir, 'sy.db')}`, reportIntervalMs: 50, outcomeBatchSize: 1, bodyParseThreadBytes: 1 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    db.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it('splices a sibling replica continuation into one stream with one id', async () => {
    let victim: SimCluster | undefined;
    let contentEvents = 0;
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 60 }),
      headers: { 'x-switchyard-token': await keys.mint({ did: 'd-continued' }) },
      onChunk: (text) => {
        contentEvents += (text.match(/"content":"[^"]/g) ?? []).length;
        if (contentEvents >= 20 && victim === undefined) {
          victim = sims.find((s) => s.control.snapshot().running > 0);
          void victim?.close();
        }
      },
    });
    expect(victim).toBeDefined();
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.body).toMatch(/: switchyard: the replica died mid-stream; continued on c1/);
    const data = sseData(r.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.filter((c) => c.choices[0]?.delta?.role !== undefined)).toHaveLength(1);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe(answerText(60));
    const rows = async (): Promise<Array<Record<string, unknown>>> =>
      (await db.execute("SELECT attempt, stream_recovery, error FROM outcomes WHERE decision_id = 'd-continued' ORDER BY attempt")).rows;
    await waitFor(async () => (await rows()).length === 2, 'both outcome rows');
    const [died, continued] = await rows();
    expect(died?.['stream_recovery']).toBeNull();
    expect(String(died?.['error'])).toMatch(/.+/);
    expect(continued?.['stream_recovery']).toBe('continued');
  });

  it('ends a stream it cannot continue with an SSE error event', async () => {
    const alive = sims.filter((s) => s.control.snapshot().running === 0);
    for (const s of alive) s.control.setDieMidStream(true, 5);
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/completions`,
      body: JSON.stringify({ model: 'demo-llm', prompt: ['two', 'prompts'], stream: true, max_tokens: 30 }),
      headers: { 'x-switchyard-token': await keys.mint() },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/event: error\ndata: \{"error":\{"message":"[^"]*only a single string prompt can be continued/);
    expect(r.body).not.toContain('[DONE]');
  });
});
