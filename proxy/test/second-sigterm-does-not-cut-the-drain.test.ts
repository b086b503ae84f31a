/**
 * A second SIGTERM while the proxy drains must not kill it. Process managers repeat signals:
 * tsx's CLI (which `npm start` / the dev stack used to launch proxies with) re-sends SIGTERM to
 * its child when the child's acknowledgement takes over 30 ms — routine on a loaded machine —
 * and a supervisor that signals the process group delivers one to each process. With a one-shot
 * handler the repeat met Node's default action and the proxy died mid-drain: the streams it was
 * handing off were cut (the edge saw "Network connection lost" instead of the reconnect event).
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, sseData, startReplica, testKeys } from './harness.ts';
import { spawnProxy } from './proxy-processes.ts';

describe('a repeated SIGTERM during the drain', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('is ignored: the stream in flight still finishes and the proxy exits 0', async () => {
    const keys = await testKeys();
    // A real process with edge tokens required (spawnProxy defaults to auth off).
    const { child, url } = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_AUTH_DISABLED: 'false', PROXY_JWKS: keys.jwks, PROXY_DRAIN_DEADLINE_MS: '5000' });
    let firstChunk: () => void = () => undefined;
    const started = new Promise<void>((r) => (firstChunk = r));
    const stream = rawRequest(url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 12 }),
      headers: { 'x-switchyard-token': await keys.mint() },
      onChunk: () => firstChunk(),
    });
    await started;
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const r = await stream;
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 20_000);
});
