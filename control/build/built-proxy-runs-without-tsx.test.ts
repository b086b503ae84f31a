/**
 * `npm run build` and `node dist/main.mjs proxy`, as the container and the systemd unit run it: a
 * primary and two workers on one port, every process plain JavaScript (no tsx loader), answering
 * through both workers, with the body-parse thread (whose entry is found from a module's own
 * `import.meta.url`) and a graceful exit on SIGTERM.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from '../../proxy/test/harness.ts';
import { metricSum, spawnProxy, type ProxyProcess } from '../../proxy/test/proxy-processes.ts';
import { childProcesses } from '../../proxy/test/proxy-cli-run.ts';
import { buildDist, ROOT, type BuiltDist } from './build-dist.ts';

describe('the built CLI runs the proxy without tsx', () => {
  let dist: BuiltDist;
  let sim: SimCluster;
  let proxy: ProxyProcess;
  beforeAll(async () => {
    await mkdir(join(ROOT, '.switchyard'), { recursive: true });
    dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-test-')));
    sim = await startReplica('c1', 'r0');
    proxy = await spawnProxy(
      [{ cluster: 'c1', url: sim.url }],
      // Every managed-stream body goes through the parse thread.
      { PROXY_WORKERS: '2', PROXY_BODY_PARSE_THREAD_BYTES: '1' },
      [{ id: APP, requests: { streams: { continuation: true } } }],
      [dist.entry, 'proxy'],
    );
  }, 60_000);
  afterAll(async () => {
    proxy?.child.kill('SIGTERM');
    await proxy?.exited;
    await sim?.close();
    if (dist !== undefined) await rm(dist.outDir, { recursive: true, force: true });
  });

  it('serves on both workers, parses bodies on the thread, and no process loads tsx', async () => {
    const n = 8;
    for (let i = 0; i < n; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 2 }),
        headers: { connection: 'close' },
      });
      expect(r.status).toBe(200);
    }
    const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
    expect(metricSum(text, 'switchyard_proxy_worker_requests', { worker: '0' })).toBeGreaterThan(0);
    expect(metricSum(text, 'switchyard_proxy_worker_requests', { worker: '1' })).toBeGreaterThan(0);
    expect(metricSum(text, 'switchyard_proxy_body_parse_thread_seconds_total')).toBeGreaterThan(0);

    const pid = proxy.child.pid ?? 0;
    const primary = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const workers = (await childProcesses(pid)).map((c) => c.cmdline).filter((c) => c.includes(dist.entry));
    expect(workers).toHaveLength(2);
    for (const cmd of [primary, ...workers]) expect(cmd.join(' ')).not.toMatch(/tsx/);
  }, 30_000);

  it('drains and exits 0 on SIGTERM', async () => {
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
  }, 30_000);
});
