/**
 * The default (ttft) model's network term for a cluster is the geo model plus the cluster's own
 * proxy's measured RTT (proxy_cluster_health.rtt_ms). Until a health check had measured an RTT,
 * the proxy reported its time to first byte there instead: every app's server time mixed
 * together. One tenant whose answers are slow then made the cluster look hundreds of ms farther
 * for every other app on it. Now only health-check RTT is reported as network; with none yet
 * the edge keeps its geo model.
 * Real proxy, real simulated replicas, real libSQL, the edge's own snapshot loader and decide().
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

const SLOW = 'acme/slow';
const FAST = 'acme/fast';

describe("one app's slow answers never move another app's network term", () => {
  let store: TempStore;
  let proxy: RunningProxy;
  const replicas: SimCluster[] = [];
  beforeAll(async () => {
    store = await openTempStore();
    const db = store.client;
    const now = Date.now();
    await seedTwoAppsOnOneCluster(db, [SLOW, FAST], now);
    replicas.push(await startReplica('c1', 'slow'), await startReplica('c1', 'fast'));
    replicas[0]?.control.setSlowdown(600);
    const dir = await mkdtemp(join(tmpdir(), 'sy-tenant-rtt-'));
    const config = await testConfig(dir, { endpoints: [], config: { reportIntervalMs: 100, refreshIntervalMs: 100 } });
    proxy = await startProxy({ ...config, endpointsFile: null }, { store: libsqlProxyStore(db), logger: pino({ level: 'silent' }) });
    // The replicas register after the proxy's first health round (60 s apart here): c1 has no
    // measured RTT yet, as after any new cluster or a health check that timed out.
    await registerOnC1(db, [[SLOW, replicas[0]], [FAST, replicas[1]]], now);
    await waitFor(() => proxy.runtime.registry.endpoints('c1', FAST).length === 1 && proxy.runtime.registry.endpoints('c1', SLOW).length === 1, 'both endpoints');
  });
  afterAll(async () => {
    await proxy.close();
    for (const r of replicas) await r.close();
    store.dispose();
  });

  const send = async (app: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const r = await rawRequest(proxy.url, { path: `/v4/${app}/v1/chat/completions`, body: chatBody({ max_tokens: 1 }) });
      expect(r.status).toBe(200);
    }
  };
  /** What the cluster's proxy last reported as its TTFB there (every app's answers). */
  const reportedTtfb = async (): Promise<number | null> => {
    const row = (await store.client.execute("SELECT ttft_ms FROM proxy_cluster_health WHERE cluster_id = 'c1'")).rows[0];
    const v = row?.['ttft_ms'];
    return v === null || v === undefined ? null : Number(v);
  };
  /** The fast app's network term for c1, as the edge would decide now. */
  const fastAppsNetworkTerm = (): Promise<TtftTerm | undefined> => networkTermOnC1(store.client, FAST);

  it("the slow app's answers reach the cluster's TTFB report, and not the fast app's network term", async () => {
    await send(FAST, 3);
    await waitFor(async () => ((await reportedTtfb()) ?? Infinity) < 300, 'the fast answers reported');
    const before = await fastAppsNetworkTerm();
    await send(SLOW, 3);
    // EWMA (α 0.2) of three 600 ms answers over a few fast ones: well above 250 ms.
    await waitFor(async () => ((await reportedTtfb()) ?? 0) > 250, 'the slow answers reported');
    const after = await fastAppsNetworkTerm();
    expect(after).toEqual(before);
    // c1 is next to the client: a few ms of geo model, nothing measured to add yet.
    expect(after?.ms).toBeLessThan(50);
    expect(after?.detail).toMatch(/geo model/);
  });
});
