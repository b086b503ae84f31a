/**
 * With a key (the tenant), each write takes the keys' records in turn, each key's oldest first,
 * and the next write goes on where the last one stopped: one key's backlog never holds another
 * key's records for more than a batch. Before, writes went in arrival order, so a record arriving
 * behind a tenant's backlog waited for all of it (a whole 50,000-row outcome buffer at the proxy).
 */
import { expect, it } from 'vitest';
import { WriteBuffer } from './write-buffer.ts';

interface Row {
  readonly app: string;
  readonly n: number;
}

/** The batches written, as the app of each row (`arrivals`: an app name per row, in order). */
function batches(arrivals: string, batch: number): string[] {
  const b = new WriteBuffer<Row>({ max: 1_000, batch, baseBackoffMs: 100, maxBackoffMs: 1_000, key: (r) => r.app });
  [...arrivals].forEach((app, n) => b.push({ app, n }));
  const out: Row[][] = [];
  for (let rows = b.begin(0); rows !== null; rows = b.begin(0)) {
    out.push(rows);
    b.succeeded(rows);
  }
  const all = out.flat();
  for (const app of new Set(arrivals)) {
    const ns = all.filter((r) => r.app === app).map((r) => r.n);
    expect(ns, `${app}'s rows in its arrival order`).toEqual([...ns].sort((x, y) => x - y));
  }
  return out.map((rows) => rows.map((r) => r.app).join(''));
}

it.each([
  // arrivals          batch  written, batch by batch
  ['aaaaaaaab', /*     */ 4, ['abaa', 'aaaa', 'a']], // b's row goes in the first batch, not the third
  ['aaaabbbbc', /*     */ 3, ['abc', 'aba', 'bab']],
  ['abcde', /*         */ 2, ['ab', 'cd', 'e']], // more keys than a batch: the next batch goes on
  ['aabbcc', /*        */ 3, ['abc', 'abc']],
  ['aaaa', /*          */ 3, ['aaa', 'a']],
])('%s in batches of %i → %o', (arrivals, batch, written) => {
  expect(batches(arrivals, batch)).toEqual(written);
});

it('a key arriving later still waits at most one batch behind a backlog', () => {
  const b = new WriteBuffer<Row>({ max: 50_000, batch: 200, baseBackoffMs: 100, maxBackoffMs: 1_000, key: (r) => r.app });
  for (let n = 0; n < 40_000; n++) b.push({ app: 'flood', n });
  const first = b.begin(0) ?? [];
  b.push({ app: 'quiet', n: 0 });
  b.succeeded(first);
  expect((b.begin(0) ?? []).filter((r) => r.app === 'quiet')).toHaveLength(1);
});
