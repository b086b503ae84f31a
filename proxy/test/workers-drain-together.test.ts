/**
 * SIGTERM to the primary of two proxy workers drains both: streams in flight on either worker
 * finish, every worker process is gone afterwards, and the primary exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, sseData, startReplica } from './harness.ts';
import { spawnProxy } from './proxy-processes.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('all proxy workers drain together', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 10 });
  });
  afterAll(() => sim.close());

  it('finishes the streams of both workers, then every process exits', async () => {
    const proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2', PROXY_DRAIN_DEADLINE_MS: '15000' });
    const { pids } = (await (await fetch(`${proxy.adminUrl}/_switchyard/health`)).json()) as { pids: number[] };
    expect(pids).toHaveLength(2);
    let started = 0;
    let allStarted: () => void = () => undefined;
    const streaming = new Promise<void>((r) => (allStarted = r));
    const streams = Array.from({ length: 4 }, () => {
      let first = true;
      return rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ stream: true, max_tokens: 15 }),
        headers: { connection: 'close' },
        onChunk: () => {
          if (!first) return;
          first = false;
          started += 1;
          if (started === 4) allStarted();
        },
      });
    });
    await streaming;
    proxy.child.kill('SIGTERM');
    for (const r of await Promise.all(streams)) {
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(sseData(r.body).at(-1)).toBe('[DONE]');
    }
    expect(await proxy.exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  }, 40_000);
});
