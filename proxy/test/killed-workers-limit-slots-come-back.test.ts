/**
 * Issue 16 #1: a worker that dies holding admission slots gives them back. One proxy with two
 * workers and maxConcurrency 1 (counted per proxy, by the primary: cluster-limits.ts) holds one
 * long stream; the worker carrying it is SIGKILLed. The primary knows which worker held the slot
 * and frees it, so a new stream is admitted at once — and the count stays exact: a second
 * concurrent one is refused. (Before, limits were split per worker: 1 over 2 workers left
 * worker 1 a share of 0, so a stream landing there was refused from the start.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica, waitFor } from './harness.ts';
import { holdStream, spawnProxy, type HeldStream, type ProxyProcess } from './proxy-processes.ts';

interface Health {
  workers: number;
  serving: number;
  pids: number[];
}

describe("a killed worker's limit slots come back", () => {
  let sim: SimCluster;
  let proxy: ProxyProcess;
  const streams: HeldStream[] = [];
  beforeAll(async () => {
    // 5 tokens/s × 1000 tokens: a stream outlives the test unless its worker dies.
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 5, slots: 16 });
    proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2' }, [{ id: APP, maxConcurrency: 1 }]);
  }, 60_000);
  afterAll(async () => {
    for (const s of streams) s.close();
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await sim.close();
  });

  const held = (): HeldStream => {
    const s = holdStream(proxy.url, 1_000);
    streams.push(s);
    return s;
  };
  const health = async (): Promise<Health> => (await (await fetch(`${proxy.adminUrl}/_switchyard/health`)).json()) as Health;
  const kill = async (pid: number): Promise<void> => {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => !(await health()).pids.includes(pid), `the primary to see worker ${pid} die`, 10_000);
  };

  it('frees the dead worker’s slot and still counts exactly', async () => {
    const first = held();
    expect(await first.status).toBe(200);
    const [p0, p1] = (await health()).pids;
    if (p0 === undefined || p1 === undefined) throw new Error('expected two workers');
    // Which worker carries the stream is the primary's business: kill the first; if the stream
    // lives on, it was the other's.
    await kill(p0);
    await Promise.race([first.closed, new Promise((r) => setTimeout(r, 2_000))]);
    if (!first.isClosed()) {
      // Serving, not just forked: killing the last listening worker would close the port.
      await waitFor(async () => (await health()).serving === 2, 'the first worker to be replaced and listening', 60_000);
      await kill(p1);
    }
    await first.closed;
    // A replacement worker loads the whole proxy (tsx) before it listens: seconds, or tens of
    // seconds on a loaded test machine (the suite in parallel timed out at 30 s).
    // Forked is not listening: with both original workers gone the port is closed until a
    // replacement listens. A short request (slot taken and given back) says one serves.
    await waitFor(async () => {
      const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 1 }), headers: { connection: 'close' } }).catch(() => null);
      return r?.status === 200;
    }, 'a worker serving the port again', 60_000);

    // The slot is back: one new stream is admitted, and a second concurrent one is still refused.
    const second = held();
    expect(await second.status).toBe(200);
    const third = held();
    expect(await third.status).toBe(429);
  }, 180_000);
});
