import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, stateRow, tempDb, type TempDb } from './test-fixtures.ts';

let good: SimCluster[] = [];
let garbage: Server;
let hanging: TcpServer;
const held = new Set<Socket>();
let refusedUrl: string;
let db: TempDb;
let agg: Aggregator;

function urlOf(s: { address(): AddressInfo | string | null }): string {
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  good = await startReplicas(1, 3);
  // Answers /health 200 but /metrics with an HTML error page, like a misrouted ingress.
  garbage = createHttpServer((req, res) => {
    if (req.url === '/health') res.end('ok');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
  });
  // Accepts connections and never answers: a wedged replica.
  hanging = createTcpServer((s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
  });
  await Promise.all([new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r)), new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r))]);
  // A port that was free a moment ago: connection refused.
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedUrl = urlOf(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  db = await tempDb('agg-bad-');
  const replicas = [good[0]?.url ?? '', urlOf(garbage), urlOf(hanging), refusedUrl];
  // The hanging replica waits out the timeout; the good one must answer within it on a loaded CI machine (200 ms did not, once).
  agg = startAggregator(aggregatorConfig([{ appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 3, replicas, warm: null, cold: null }], { scrapeTimeoutMs: 600 }), {
    client: db.store.client,
  });
});

afterAll(async () => {
  await agg.stop();
  for (const s of held) s.destroy();
  await Promise.all([...good.map((r) => r.close()), new Promise((r) => garbage.close(r)), new Promise((r) => hanging.close(r))]);
  db.cleanup();
});

describe('bad scrapes mark only that replica unhealthy and never crash the aggregator', () => {
  it('counts only the good replica and reports why each bad one failed', async () => {
    const r = await agg.tickNow();
    expect(r.error).toBeNull();
    expect(r.snapshot.states[0]).toMatchObject({ hotFree: 3, hotBusy: 0, health: 'degraded' });
    expect(await stateRow(db.store.client, 'acme/chat')).toMatchObject({ hot_free: 3, health: 'degraded' });
    const byUrl = new Map(r.snapshot.endpoints.map((e) => [e.url, e.healthy]));
    expect([...byUrl.values()]).toEqual([true, false, false, false]);
  });

  it('keeps ticking after repeated bad scrapes', async () => {
    for (let i = 0; i < 3; i++) expect((await agg.tickNow()).pushed).toBe(true);
    expect(agg.databaseState()).toBe('up');
  });
});
