/**
 * A replica ejected by one proxy worker is ejected in all of them (cluster-peers.ts): with two
 * workers and ejection after one failure, a replica answering 500 is tried once in total, not
 * once per worker.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, rawRequest, startReplica } from './harness.ts';
import { spawnProxy, type ProxyProcess } from './proxy-processes.ts';

describe('an outlier ejection in one worker holds in every worker', () => {
  let good: SimCluster;
  let bad: http.Server;
  let badHits = 0;
  let proxy: ProxyProcess;
  beforeAll(async () => {
    good = await startReplica('c1', 'r-good');
    bad = http.createServer((req, res) => {
      if (req.url?.startsWith('/health') !== true) badHits += 1;
      res.writeHead(req.url?.startsWith('/health') === true ? 200 : 500).end('{}');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', () => r()));
    const badUrl = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
    proxy = await spawnProxy(
      [
        { cluster: 'c1', url: badUrl },
        { cluster: 'c1', url: good.url },
      ],
      { PROXY_WORKERS: '2', PROXY_OUTLIER_CONSECUTIVE_FAILURES: '1', PROXY_OUTLIER_BASE_EJECTION_MS: '60000' },
    );
  }, 30_000);
  afterAll(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await good.close();
    bad.close();
  });

  it('sends the failing replica one request in total', async () => {
    for (let i = 0; i < 16; i += 1) {
      const r = await rawRequest(proxy.url, { method: 'GET', path: `/v4/${APP}/v1/models`, headers: { connection: 'close' } });
      expect(r.status).toBe(200);
    }
    expect(badHits).toBe(1);
  }, 40_000);
});
