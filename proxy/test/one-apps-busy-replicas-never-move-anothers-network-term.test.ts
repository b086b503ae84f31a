/**
 * The default (ttft) model's network term for a cluster is the geo model plus the cluster's own
 * proxy's measured RTT (proxy_cluster_health.rtt_ms), which the proxy takes from its health
 * checks. A health check's round trip includes the replica's /health handling, and a real
 * engine's API server is one event loop: under one tenant's load its replicas answer /health
 * late. Averaged over every endpoint, that made the cluster look farther for every other app on
 * it. Now the cluster's RTT is the quickest answer per round, the least over a window.
 * Real proxy, real simulated replicas (their API loop busy per running request), real libSQL,
 * the edge's own snapshot loader and decide().
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import type { TtftTerm } from '../../shared/decision/types.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { networkTermOnC1, registerOnC1, seedTwoAppsOnOneCluster } from './two-apps-on-one-cluster-fixture.ts';
import { chatBody, rawRequest, startReplica, testConfig, waitFor } from './harness.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSY = 'acme/busy';
const QUIET = 'acme/quiet';
/** The busy app's long generations: 4 at once, 100 ms of loop work each ahead of /health. */
const STREAMS = 4;
const LOOP_MS_PER_REQUEST = 100;

describe("one app's busy replicas never move another app's network term", () => {
  let store: TempStore;
  let proxy: RunningProxy;
  const replicas: SimCluster[] = [];
  beforeAll(async () => {
    store = await openTempStore();
    const db = store.client;
    const now = Date.now();
    await seedTwoAppsOnOneCluster(db, [BUSY, QUIET], now);
    replicas.push(
      await startReplica('c1', 'busy', { tokensPerSecond: 50, apiLoopMsPerRequest: LOOP_MS_PER_REQUEST }),
      await startReplica('c1', 'quiet', { apiLoopMsPerRequest: LOOP_MS_PER_REQUEST }),
    );
    await registerOnC1(db, [[BUSY, replicas[0]], [QUIET, replicas[1]]], now);
    const dir = await mkdtemp(join(tmpdir(), 'sy-busy-rtt-'));
    const config = await testConfig(dir, { endpoints: [], config: { reportIntervalMs: 100, refreshIntervalMs: 100, healthCheckIntervalMs: 100 } });
    proxy = await startProxy({ ...config, endpointsFile: null }, { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) });
    await waitFor(() => proxy.runtime.registry.endpoints('c1', QUIET).length === 1 && proxy.runtime.registry.endpoints('c1', BUSY).length === 1, 'both endpoints');
  });
  afterAll(async () => {
    await proxy.close();
    for (const r of replicas) await r.close();
    store.dispose();
  });

  const reported = async (): Promise<{ rttMs: number; samples: number; observedAt: number } | null> => {
    const row = (await store.client.execute("SELECT rtt_ms, samples, observed_at FROM proxy_cluster_health WHERE cluster_id = 'c1'")).rows[0];
    return row === undefined ? null : { rttMs: Number(row['rtt_ms']), samples: Number(row['samples']), observedAt: Number(row['observed_at']) };
  };
  /** The quiet app's network term for c1, as the edge would decide now. */
  const quietAppsNetworkTerm = (): Promise<TtftTerm | undefined> => networkTermOnC1(store.client, QUIET);
  const healthAnswerMs = async (r: SimCluster | undefined): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${r?.url ?? ''}/health`);
    await res.text();
    return performance.now() - t0;
  };

  it("the busy app's replica answers /health late, and the quiet app's network term stays put", async () => {
    await waitFor(async () => ((await reported())?.samples ?? 0) > 0, 'a measured RTT reported');
    // A second of quiet rounds first: the value settles past the first, cold round.
    const firstAt = (await reported())?.observedAt ?? 0;
    await waitFor(async () => ((await reported())?.observedAt ?? 0) > firstAt + 1000, 'quiet rounds reported');
    const rttBefore = (await reported())?.rttMs ?? 0;
    const before = await quietAppsNetworkTerm();
    expect(before?.detail).toMatch(/measured proxy RTT/);

    const load = Array.from({ length: STREAMS }, () =>
      rawRequest(proxy.url, { path: `/v4/${BUSY}/v1/chat/completions`, body: chatBody({ max_tokens: 200, stream: true }) }),
    );
    await waitFor(() => replicas[0]?.control.snapshot().running === STREAMS, 'the busy app generating');
    const loadedAt = Date.now();
    // What the proxy's checks meet there: the loop's work for every running stream, first.
    expect(await healthAnswerMs(replicas[0])).toBeGreaterThan(STREAMS * LOOP_MS_PER_REQUEST * 0.9);
    // Several health rounds under the load reach the store.
    await waitFor(async () => ((await reported())?.observedAt ?? 0) > loadedAt + 1500, 'reports under load', 4000);
    expect(replicas[0]?.control.snapshot().running).toBe(STREAMS);

    const after = await quietAppsNetworkTerm();
    expect(after?.detail).toMatch(/measured proxy RTT/);
    // A windowed minimum only falls inside its window: nothing the busy app does raises it.
    expect(after?.ms).toBeLessThanOrEqual(before?.ms ?? 0);
    expect((await reported())?.rttMs).toBeLessThanOrEqual(rttBefore);
    for (const r of await Promise.all(load)) expect(r.status).toBe(200);
  });
});
