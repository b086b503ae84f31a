/**
 * A proxy worker that dies (SIGKILL) is replaced by the primary, and the proxy keeps answering
 * on its port meanwhile (the other worker takes the connections). The primary's line saying so
 * names the dead worker's pid once, apart from its own `pid` (pino's base): it wrote `pid` twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repeatedJsonKeys } from '../../control/cli/repeated-json-keys.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica, waitFor } from './harness.ts';
import { spawnProxy, type ProxyProcess } from './proxy-processes.ts';

interface Health {
  workers: number;
  pids: number[];
}

describe('a crashed proxy worker is restarted', () => {
  let sim: SimCluster;
  let proxy: ProxyProcess;
  let stdout = '';
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
    proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2', PROXY_LOG_LEVEL: 'error' });
    proxy.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  }, 30_000);
  afterAll(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await sim.close();
  });

  it('forks a new worker and answers throughout', async () => {
    const health = async (): Promise<Health> => (await (await fetch(`${proxy.adminUrl}/_switchyard/health`)).json()) as Health;
    const before = await health();
    const victim = before.pids[0];
    if (victim === undefined) throw new Error('no worker pid');
    process.kill(victim, 'SIGKILL');
    // The primary has seen the death (a connection handed over before that would be lost with it).
    await waitFor(async () => !(await health()).pids.includes(victim), 'the primary to see the worker die', 10_000);
    for (let i = 0; i < 4; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 2 }),
        headers: { connection: 'close' },
      });
      expect(r.status).toBe(200);
    }
    await waitFor(async () => {
      const h = await health();
      return h.workers === 2 && !h.pids.includes(victim);
    }, 'a replacement worker', 20_000);
    const died = stdout.split('\n').find((l) => l.includes('proxy worker died'));
    expect(died && { keysTwice: repeatedJsonKeys(died), workerPid: (JSON.parse(died) as { workerPid?: number }).workerPid }).toEqual({ keysTwice: [], workerPid: victim });
  }, 40_000);
});
