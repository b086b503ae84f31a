import { describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { DecisionLog, type DecisionRow } from '../src/decision-log.ts';

// An isolate keeps one bounded decision log for every tenant. App A bursting past what the
// database takes must not drop app B's rows (B in another project: the buffer is fair between
// projects, and within a project the newest row is dropped): B's outcomes get their app from B's decision rows
// on older proxies, and explain/replay need them. Before, a full buffer dropped every arriving
// row, B's included (audit: B lost 8 of 20). Runs in workerd, where the edge runs it.
const row = (appId: string, n: number): DecisionRow => ({
  decision: { id: `${appId}-${n}`, appId } as unknown as Decision,
  inputJson: '{}',
  decisionUs: 1,
});

/**
 * Records `rows` into a log of 1,000 whose database is slow (the first batch stays in flight while
 * they arrive), then lets it drain; returns the log and what reached the database.
 */
async function burst(rows: Iterable<DecisionRow>): Promise<{ log: DecisionLog; written: DecisionRow[] }> {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const written: DecisionRow[] = [];
  const log = new DecisionLog({
    batch: 50, flushMs: 1_000, maxBuffered: 1_000, now: () => 0,
    sink: async (batch) => { await gate; written.push(...batch); },
    onError: () => undefined,
  });
  const pending: Promise<unknown>[] = [];
  const waitUntil = (p: Promise<unknown>): void => void pending.push(p);
  for (const r of rows) log.record(r, waitUntil);
  open();
  while (log.buffered > 0 || written.length === 0) await log.flush();
  await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 50))]);
  return { log, written };
}

describe("the edge's decision log under one app's burst", () => {
  it("keeps every row of the quiet app and drops the bursting app's own", async () => {
    // 3,000 rows of A with one row of B every 150.
    const { log, written } = await burst(
      (function* () {
        for (let n = 0; n < 3_000; n++) {
          yield row('p/a', n);
          if (n % 150 === 0) yield row('q/b', n);
        }
      })(),
    );
    const b = written.filter((r) => r.decision.appId === 'q/b');
    expect(b).toHaveLength(20);
    expect(written).toHaveLength(1_050);
    expect(log.stats()).toMatchObject({ dropped: 3_020 - 1_050, droppedByKey: { p: 3_020 - 1_050 } });
  });

  // A tenant is a project. Keyed by app, a project bursting through 50 apps held 50 shares of
  // the buffer: each of its apps kept ~19 rows, the other project's one app more, so the
  // other project's rows were the ones dropped (before: 22 of 200 kept).
  it("keeps every row of another project when one project bursts through many apps", async () => {
    const { log, written } = await burst(
      (function* () {
        for (let n = 0; n < 5_000; n++) {
          yield row(`burst/app-${n % 50}`, n);
          if (n % 25 === 0) yield row('quiet/app', n);
        }
      })(),
    );
    expect(written.filter((r) => r.decision.appId === 'quiet/app')).toHaveLength(200);
    expect(Object.keys(log.stats().droppedByKey ?? {})).toEqual(['burst']);
  });

  // A full buffer's writes went in arrival order: B's row, arriving behind A's backlog, waited for
  // all of it (1,000 rows, 20 writes) however slow each write. Projects now take turns in each
  // write (shared/batching/write-buffer.ts), so it goes out in the first write after the one in flight.
  it("writes the quiet project's row in the next write, not behind the bursting one's backlog", async () => {
    const { written } = await burst(
      (function* () {
        for (let n = 0; n < 1_500; n++) yield row('p/a', n);
        yield row('q/b', 0);
      })(),
    );
    const before = written.findIndex((r) => r.decision.appId === 'q/b');
    expect(before).toBeGreaterThanOrEqual(0);
    expect(before).toBeLessThan(2 * 50);
  });
});
