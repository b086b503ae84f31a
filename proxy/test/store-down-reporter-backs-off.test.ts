/**
 * Issue 12 #4, proxy side: with libSQL down, every full batch of outcomes used to queue another
 * write of the whole backlog. Now the reporter keeps a bounded queue, one write in flight and a
 * jittered backoff: a real libSQL endpoint, stopped and restarted, sees a handful of attempts,
 * and afterwards every outcome is either in the table or counted as dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startHranaServer } from '../../control/hrana/server.ts';
import type { HranaServer } from '../../control/hrana/server.ts';
import { migrate } from '../../control/store/index.ts';
import { Reporter } from '../src/reporter.ts';
import type { ProxyRuntime } from '../src/runtime.ts';
import { libsqlProxyStore } from '../src/store.ts';
import type { OutcomeRow, ProxyStore } from '../src/store.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('proxy reporter with the store down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reporter-down-'));
  let server: HranaServer | null = null;
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // The backlog goes back in batches of 10, one write at a time: ~4 s in CI, 15-17 s on a loaded
  // machine, against the 30 s default timeout. How long it takes is no part of what is checked.
  it('does not storm it, stays bounded, and accounts for every outcome once it is back', async () => {
    const dbPath = join(dir, 'db.sqlite');
    server = await startHranaServer({ dbPath, port: 0 });
    const { port, url } = server;
    const client = createClient({ url });
    await migrate(client, { now: Date.now() });
    const real = libsqlProxyStore(client);
    let attempts = 0;
    // The real store; only counted on the way through.
    const store: ProxyStore = { ...real, insertOutcomes: (rows) => { attempts++; return real.insertOutcomes(rows); } };
    const warnings: unknown[] = [];
    const rt = {
      config: { outcomeBatchSize: 10 },
      now: () => Date.now(),
      logger: { warn: (o: unknown) => warnings.push(o), info: () => undefined, error: () => undefined },
    } as unknown as ProxyRuntime;
    const reporter = new Reporter(() => rt, store, () => 0.5);

    await server.close();
    server = null;
    const row = (i: number): OutcomeRow => ({
      decisionId: `d-${i}`, attempt: 1, proxyId: 'p1', clusterId: 'c1', endpoint: 'http://r', status: 200,
      ttfbMs: 1, durationMs: 2, bytesIn: 0, bytesOut: 0, error: null, at: Date.now(),
    } as OutcomeRow);
    const t0 = performance.now();
    for (let i = 0; i < 5_000; i++) reporter.record(row(i));
    const recordMs = performance.now() - t0;
    await sleep(1_500);
    expect(attempts).toBeLessThanOrEqual(4); // 0 ms, then backoffs of ~375 ms and ~750 ms
    expect(warnings.length).toBe(attempts);
    expect(recordMs).toBeLessThan(500); // the request path only appends

    server = await startHranaServer({ dbPath, port });
    for (let i = 0; i < 40 && reporter.stats().buffered > 0; i++) {
      await sleep(250);
      await reporter.flushOutcomes();
    }
    const s = reporter.stats();
    expect(s.buffered).toBe(0);
    expect(s.written + s.dropped).toBe(5_000);
    const rs = await client.execute("SELECT COUNT(*) AS n FROM outcomes WHERE proxy_id = 'p1'");
    expect(Number(rs.rows[0]?.['n'])).toBe(s.written);
    client.close();
  }, 60_000);
});
