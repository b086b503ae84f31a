import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHranaServer, type HranaServer } from '../hrana/server.ts';
import type { SimCluster } from '../sim-cluster/server.ts';
import { migrate } from '../store/migrate.ts';
import { openStore, type Store } from '../store/open-store.ts';
import type { AggregatorLogger } from './logger.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, occupySlot, startReplicas, stateRow, waitFor } from './test-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'agg-outage-'));
const dbPath = join(dir, 'db.sqlite');
let hrana: HranaServer;
let port: number;
let writer: Store;
let replicas: SimCluster[] = [];
let agg: Aggregator;
let job: AbortController | null = null;
const logs: { level: string; msg: string }[] = [];
const logger: AggregatorLogger = {
  debug: (_o, msg) => logs.push({ level: 'debug', msg }),
  info: (_o, msg) => logs.push({ level: 'info', msg }),
  warn: (_o, msg) => logs.push({ level: 'warn', msg }),
  error: (_o, msg) => logs.push({ level: 'error', msg }),
};

beforeAll(async () => {
  hrana = await startHranaServer({ dbPath, port: 0 });
  port = hrana.port;
  writer = openStore({ url: hrana.url });
  await migrate(writer.client);
  replicas = await startReplicas(1, 4);
  const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: replicas.map((r) => r.url), warm: null, cold: null };
  // The real timer loop this time: outage handling is about what happens between ticks.
  agg = startAggregator(aggregatorConfig([app], { intervalMs: 150, scrapeTimeoutMs: 150, backoff: { baseMs: 20, maxMs: 150 } }), { client: writer.client, logger });
});

afterAll(async () => {
  job?.abort();
  await agg.stop();
  await Promise.all(replicas.map((r) => r.close()));
  writer.close();
  await hrana.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh client per read, so nothing cached on a connection can fake the result. */
async function readRow(): Promise<Record<string, unknown> | undefined> {
  const reader = openStore({ url: `http://127.0.0.1:${port}` });
  try {
    return await stateRow(reader.client, 'acme/chat');
  } finally {
    reader.close();
  }
}

describe('database outage through the Hrana endpoint', () => {
  it('pushes while the database is up', async () => {
    // Waits for a healthy row: on a loaded machine the very first scrape may time out.
    const row = await waitFor(async () => {
      const r = await readRow();
      // The row can be readable a moment before the pusher has the server's answer.
      return r?.['health'] === 'healthy' && agg.databaseState() === 'up' ? r : null;
    }, 'first healthy push');
    expect(row).toMatchObject({ hot_free: 4, hot_busy: 0 });
    expect(agg.databaseState()).toBe('up');
  });

  it('keeps scraping while the database is down, and catches up with the newest state', async () => {
    await hrana.close();
    const [replica] = replicas;
    if (replica === undefined) throw new Error('no replica');
    job = await occupySlot(replica);
    await waitFor(async () => agg.databaseState() === 'down', 'the aggregator to notice the outage');
    // Several ticks during the outage: the snapshot keeps moving, nothing crashes.
    const during = await waitFor(async () => {
      const s = agg.lastSnapshot();
      return s !== null && s.states[0]?.hotBusy === 1 ? s : null;
    }, 'a snapshot seeing the busy slot');
    await new Promise((r) => setTimeout(r, 500));
    const later = agg.lastSnapshot();
    expect(later?.observedAt).toBeGreaterThan(during.observedAt);

    hrana = await startHranaServer({ dbPath, port });
    const row = await waitFor(async () => {
      const r = await readRow().catch(() => undefined);
      // As in the first test: the row is readable a moment before the pusher has the server's
      // answer and flips its state, so wait for both (CI failed here on a loaded machine).
      return r !== undefined && r['hot_busy'] === 1 && agg.databaseState() === 'up' ? r : null;
    }, 'the newest state after recovery');
    expect(row).toMatchObject({ hot_free: 3, hot_busy: 1, health: 'healthy' });
    expect(Number(row['observed_at'])).toBeGreaterThanOrEqual(later?.observedAt ?? Infinity);
    expect(agg.databaseState()).toBe('up');
  });

  it('logged the transitions once each, not once per failed retry', () => {
    const msgs = logs.filter((l) => l.level !== 'debug').map((l) => l.msg);
    expect(msgs.filter((m) => m.startsWith('database unreachable'))).toHaveLength(1);
    expect(msgs.filter((m) => m.startsWith('database reachable again'))).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'push failed again').length).toBeGreaterThan(0);
  });
});
