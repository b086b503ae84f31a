import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

/** How long to hold: CI default ~3 s; set PROXY_TEST_HOLD_MS for hours-long soak runs. */
const HOLD_MS = Number(process.env['PROXY_TEST_HOLD_MS'] ?? 3000);

describe('a held connection survives well past every configured timeout', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { jobHeartbeatMs: 300 });
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      // Every timeout far below the hold time: none of them may cut a stream.
      config: {
        headersTimeoutMs: 200,
        idleTimeoutMs: 200,
        keepAliveTimeoutMs: 200,
        upstreamHeadersTimeoutMs: 1000,
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it(
    `streams a long job's heartbeats for ${HOLD_MS} ms to a clean end`,
    async () => {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/jobs`,
        body: JSON.stringify({ durationMs: HOLD_MS, heartbeatMs: 300 }),
        headers: { accept: 'text/event-stream', 'x-switchyard-token': await keys.mint() },
      });
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      const last = r.chunks[r.chunks.length - 1];
      expect(last?.at ?? 0).toBeGreaterThanOrEqual(HOLD_MS - 100);
      expect(r.chunks.length).toBeGreaterThanOrEqual(Math.floor(HOLD_MS / 300) - 1);
    },
    HOLD_MS + 20_000,
  );
});
