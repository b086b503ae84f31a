import { describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { DecisionLog } from './decision-log.ts';
import type { DecisionRow } from './decision-log.ts';

const row = (id: string): DecisionRow => ({ decision: { id } as unknown as Decision, inputJson: '{}', decisionUs: 1 });

function harness(batch: number, flushMs = 5) {
  const written: string[][] = [];
  const errors: string[] = [];
  const pending: Promise<unknown>[] = [];
  let down = false;
  const log = new DecisionLog({
    batch,
    flushMs,
    maxBuffered: 3,
    sink: async (rows) => {
      await Promise.resolve();
      if (down) throw new Error('db down');
      written.push(rows.map((r) => r.decision.id));
    },
    onError: (m) => errors.push(m),
  });
  return {
    log, written, errors,
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
    await h.settle();
    expect([h.log.buffered, h.log.dropped, h.errors.length]).toEqual([3, 1, 1]);
    h.setDown(false);
    await h.log.flush();
    expect(h.written).toEqual([['b', 'c', 'd']]);
  });
});
