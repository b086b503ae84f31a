import { describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { DecisionLog } from './decision-log.ts';
import type { DecisionRow } from './decision-log.ts';

const row = (id: string): DecisionRow => ({ decision: { id, appId: 'acme/chat' } as unknown as Decision, inputJson: '{}', decisionUs: 1 });

function harness(batch: number, flushMs = 5, maxBuffered = 3) {
  const written: string[][] = [];
  const errors: string[] = [];
  const pending: Promise<unknown>[] = [];
  let down = false;
  let attempts = 0;
  const log = new DecisionLog({
    batch,
    flushMs,
    maxBuffered,
    baseBackoffMs: 5,
    maxBackoffMs: 20,
    sink: async (rows) => {
      attempts++;
      await Promise.resolve();
      if (down) throw new Error('db down');
      written.push(rows.map((r) => r.decision.id));
    },
    onError: (m) => errors.push(m),
  });
  return {
    log, written, errors,
    attempts: () => attempts,
    setDown: (d: boolean) => (down = d),
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
    settle: async () => { while (pending.length > 0) await Promise.all(pending.splice(0)); },
  };
}

describe('DecisionLog', () => {
  it('writes a full batch at once', async () => {
    const h = harness(2, 10_000);
    h.log.record(row('a'), h.waitUntil);
    h.log.record(row('b'), h.waitUntil);
    await h.log.flush();
    expect(h.written).toEqual([['a', 'b']]);
  });

  it('writes a partial batch after flushMs', async () => {
    const h = harness(100, 5);
    h.log.record(row('a'), h.waitUntil);
    expect(h.written).toEqual([]);
    await h.settle();
    expect(h.written).toEqual([['a']]);
  });

  it('keeps records while the sink is down, bounded, and writes them later', async () => {
    const h = harness(100, 1);
    h.setDown(true);
    for (const id of ['a', 'b', 'c', 'd']) h.log.record(row(id), h.waitUntil);
    await h.log.flush();
    expect([h.log.buffered, h.log.dropped, h.errors.length]).toEqual([3, 1, 1]);
    h.setDown(false);
    await new Promise((r) => setTimeout(r, 30));
    await h.log.flush();
    expect(h.written.flat()).toEqual(['a', 'b', 'c']);
  });

  // Issue 12 #4: every new decision used to retry the whole buffer at once, with no backoff.
  it('does not storm a database that is down: one write at a time, backing off; every record written or counted', async () => {
    const h = harness(10, 1, 200);
    h.setDown(true);
    for (let i = 0; i < 1_000; i++) h.log.record(row(`r${i}`), h.waitUntil);
    await new Promise((r) => setTimeout(r, 60)); // backoff 5 → 10 → 20 → 20 ms: a handful of tries
    expect(h.attempts()).toBeLessThan(10);
    expect(h.log.buffered).toBe(200);
    expect(h.log.dropped).toBe(800);
    h.setDown(false);
    for (let i = 1_000; i < 1_005; i++) h.log.record(row(`r${i}`), h.waitUntil);
    for (let i = 0; i < 50 && h.log.buffered > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await h.log.flush();
    }
    const s = h.log.stats();
    expect(s.buffered).toBe(0);
    expect(s.written + s.dropped).toBe(1_005);
    expect(new Set(h.written.flat()).size).toBe(s.written);
  });
});
