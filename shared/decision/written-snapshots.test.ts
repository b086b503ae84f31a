import { describe, expect, it } from 'vitest';
import { WrittenSnapshots } from './written-snapshots.ts';
import { snapshotId } from './snapshot-id.ts';

const snap = (json: string, at = 0) => ({ id: snapshotId('p/a', json), json, at });
const A = snap('{"a":1}');
const B = snap('{"b":2}');

describe('WrittenSnapshots', () => {
  it('inserts each distinct snapshot of a batch once, and none a committed batch wrote', () => {
    const w = new WrittenSnapshots();
    const first = w.plan([{ at: 1, snapshot: A }, { at: 2, snapshot: A }, { at: 3, snapshot: B }, { at: 4 }], 10);
    expect(first.ids).toEqual([A.id, B.id]);
    expect(first.statements).toHaveLength(1);
    expect(first.statements[0]?.sql).toMatch(/^INSERT OR IGNORE INTO decision_snapshots \(id, json, at\) VALUES \(\?, \?, \?\), \(\?, \?, \?\)$/);
    expect(first.statements[0]?.args).toEqual([A.id, A.json, 0, B.id, B.json, 0]);
    w.written(first);
    expect(w.plan([{ at: 5, snapshot: A }, { at: 6, snapshot: B }], 20).statements).toEqual([]);
  });

  it('a failed batch marks nothing written: the retry sends the snapshot again', () => {
    const w = new WrittenSnapshots();
    const failed = w.plan([{ at: 1, snapshot: A }], 10);
    expect(w.plan([{ at: 1, snapshot: A }], 11).ids).toEqual(failed.ids);
  });

  it('sends a snapshot again once its entry is older than the TTL, counted from the oldest decision of its batch', () => {
    const w = new WrittenSnapshots(10, 1_000);
    w.written(w.plan([{ at: 100, snapshot: A }, { at: 900, snapshot: B }], 1_000));
    expect(w.plan([{ at: 1_050, snapshot: A }], 1_050).ids).toEqual([]);
    expect(w.plan([{ at: 1_100, snapshot: A }], 1_100).ids).toEqual([A.id]);
  });

  it('remembers at most `max` ids, forgetting the least recently used', () => {
    const w = new WrittenSnapshots(2);
    const C = snap('{"c":3}');
    w.written(w.plan([{ at: 0, snapshot: A }, { at: 0, snapshot: B }], 0));
    w.plan([{ at: 0, snapshot: A }], 0); // A used again: B is now the oldest
    w.written(w.plan([{ at: 0, snapshot: C }], 0));
    expect(w.size).toBe(2);
    expect(w.plan([{ at: 0, snapshot: A }, { at: 0, snapshot: B }, { at: 0, snapshot: C }], 0).ids).toEqual([B.id]);
  });
});

describe('snapshotId', () => {
  const id = (json: string): string => snapshotId('p/a', json);
  it('is the same for the same JSON and differs on any one changed character or length', () => {
    const json = JSON.stringify({ app: 'p/a', loadedAt: 1_750_000_000_000, clusters: [['c1', { x: 1 }]] });
    expect(id(json)).toBe(id(`${json}`));
    expect(id(json)).toMatch(/^p\/a:[0-9a-f]{16}-[0-9a-z]+$/);
    const ids = new Set<string>();
    for (let i = 0; i < json.length; i++) ids.add(id(`${json.slice(0, i)}${String.fromCharCode(json.charCodeAt(i) ^ 1)}${json.slice(i + 1)}`));
    expect(ids.size).toBe(json.length);
    expect(ids.has(id(json))).toBe(false);
  });
  it("is namespaced by app: the same text under another tenant's app never names the same row", () => {
    const json = '{"same":"text"}';
    expect(snapshotId('acme/chat', json)).not.toBe(snapshotId('globex/chat', json));
  });
});
