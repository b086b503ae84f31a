/**
 * An aggregator whose database refuses its auth token logged "database unreachable" on every
 * retry, sending its operator to check a server that was up. It still keeps its newest snapshot
 * and retries (a rotated token may be fixed without a restart), but says what is wrong: the
 * token, and where it comes from. A real outage still reads as unreachable
 * (database-outage-through-hrana.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startHranaServer } from '../hrana/server.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open-store.ts';
import type { AggregatorLogger } from './logger.ts';
import { startAggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas } from './test-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'agg-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('logs the refused token, with the setting to check, not an unreachable database', async () => {
  const hrana = await startHranaServer({ dbPath: join(dir, 'db.sqlite'), port: 0, authToken: 'right-token' });
  const admin = openStore({ url: hrana.url, authToken: 'right-token' });
  await migrate(admin.client);
  const wrong = openStore({ url: hrana.url, authToken: 'wrong-token' });
  const replicas = await startReplicas(1, 4);
  const logs: Array<{ level: string; msg: string; err: string }> = [];
  const record = (level: string) => (o: object, msg: string): void => void logs.push({ level, msg, err: String((o as { err?: unknown }).err ?? '') });
  const logger: AggregatorLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: replicas.map((r) => r.url), warm: null, cold: null };
  const agg = startAggregator(aggregatorConfig([app], { scrapeTimeoutMs: 10_000 }), { client: wrong.client, logger });
  try {
    expect((await agg.tickNow()).error).toContain('unauthorized');
    const error = logs.find((l) => l.level === 'error');
    expect(error?.msg).toBe('database refused the auth token; keeping the newest snapshot and retrying with backoff');
    expect(error?.err).toContain('LIBSQL_AUTH_TOKEN');
    expect(logs.some((l) => l.msg.startsWith('database unreachable'))).toBe(false);
  } finally {
    await agg.stop();
    await Promise.all(replicas.map((r) => r.close()));
    wrong.close();
    admin.close();
    await hrana.close();
  }
});
