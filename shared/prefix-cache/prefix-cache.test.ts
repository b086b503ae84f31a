import { describe, expect, it } from 'vitest';
import { blockHashes, tenantSeed } from './block-hashes.ts';
import { PrefixIndex } from './prefix-index.ts';
import { renderPrompt } from './render-prompt.ts';
import { DEFAULT_SCORER, scoreReplicas, type ReplicaView } from './score-replicas.ts';

const chat = (system: string, user: string, extra: Record<string, unknown> = {}): unknown => ({
  model: 'm',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ],
  ...extra,
});

describe('renderPrompt', () => {
  it.each([
    ['chat messages in order, with model and salt', chat('S', 'U', { cache_salt: 'x' }), 'm\0x\0\0system\0S\0user\0U'],
    ['content parts', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }, 'm\0\0\0user\0ab'],
    ['a completion prompt', { model: 'm', prompt: 'hello' }, 'm\0\0hello'],
    ['token ids', { prompt: [1, 2, 3] }, '\0\x001,2,3'],
    ['no prompt at all', { model: 'm' }, null],
    ['empty messages', { messages: [] }, null],
    ['a message without role', { messages: [{ content: 'x' }] }, null],
    ['not an object', [1, 2], null],
    ['null', null, null],
  ])('%s', (_name, body, expected) => {
    expect(renderPrompt(body)).toBe(expected);
  });
});

describe('blockHashes', () => {
  const a = 'x'.repeat(64) + 'y'.repeat(64) + 'tail';
  const b = 'x'.repeat(64) + 'z'.repeat(64) + 'tail';
  it.each([
    ['whole blocks only', a, 64, 100, 2],
    ['capped at maxBlocks', a, 16, 3, 3],
    ['shorter than a block', 'short', 64, 100, 0],
  ])('%s', (_name, text, size, max, count) => {
    expect(blockHashes(text, size, max)).toHaveLength(count);
  });
  it('shares exactly the shared leading blocks, chained', () => {
    const ha = blockHashes(a, 64, 10);
    const hb = blockHashes(b, 64, 10);
    expect(ha[0]).toBe(hb[0]);
    expect(ha[1]).not.toBe(hb[1]);
    // The same block text after a different prefix hashes differently.
    expect(blockHashes('q'.repeat(64) + 'y'.repeat(64), 64, 10)[1]).not.toBe(ha[1]);
    expect(Number.isSafeInteger(ha[1])).toBe(true);
  });
  it('salts the chain per tenant: the same prompt shares nothing across projects, everything within one', () => {
    const acme = blockHashes(a, 64, 10, tenantSeed('acme'));
    const globex = blockHashes(a, 64, 10, tenantSeed('globex'));
    expect(blockHashes(a, 64, 10, tenantSeed('acme'))).toEqual(acme);
    expect(acme.filter((h) => globex.includes(h))).toEqual([]);
    expect(acme.every((h) => Number.isSafeInteger(h))).toBe(true);
  });
});

describe('PrefixIndex', () => {
  it.each([
    ['nothing recorded', [], [1, 2, 3], 0],
    ['the whole prefix', [[1, 2, 3]], [1, 2, 3, 4], 3],
    ['stops at the first missing block', [[1, 3]], [1, 2, 3], 1],
  ])('matches %s', (_name, recorded, query, expected) => {
    const idx = new PrefixIndex(100);
    for (const r of recorded) idx.record('r0', r);
    expect(idx.matched('r0', query)).toBe(expected);
    expect(idx.matched('r1', query)).toBe(0);
  });
  it('evicts least recently used blocks past capacity, and shrinks to a new capacity', () => {
    const idx = new PrefixIndex(4);
    idx.record('r0', [1, 2, 3]);
    idx.record('r0', [7, 8]);
    expect(idx.size('r0')).toBe(4);
    expect(idx.matched('r0', [1])).toBe(0);
    expect(idx.matched('r0', [2, 3])).toBe(2);
    idx.record('r0', [2]);
    idx.setCapacity('r0', 2);
    expect(idx.matched('r0', [8])).toBe(1);
    expect(idx.matched('r0', [2])).toBe(1);
    expect(idx.matched('r0', [3])).toBe(0);
  });
});

const rng = (...values: number[]): { next: () => number } => {
  let i = 0;
  return { next: () => values[i++ % values.length] ?? 0.5 };
};
const v = (id: string, load: number, matchedBlocks = 0, kvUsage: number | null = null): ReplicaView => ({ id, weight: 1, load, kvUsage, matchedBlocks });

describe('scoreReplicas', () => {
  it.each([
    ['a single replica', [v('a', 50)], 10, null, rng(0.5), 'a', 'only'],
    ['the prefix holder at equal load', [v('a', 2), v('b', 2, 10), v('c', 2)], 10, 'k', rng(0.5), 'b', 'score'],
    ['the prefix holder despite a little more load', [v('a', 1), v('b', 3, 10), v('c', 2)], 10, 'k', rng(0.5), 'b', 'score'],
    ['shortest queue when load is skewed', [v('a', 1), v('b', 12, 10), v('c', 3)], 10, 'k', rng(0.5), 'a', 'imbalance'],
    ['an idle replica when the holder is far busier', [v('a', 0), v('b', 9, 10)], 10, 'k', rng(0.5), 'a', 'imbalance'],
    ['lower KV use among equals', [v('a', 2, 0, 0.9), v('b', 2, 0, 0.1)], 10, null, rng(0.5), 'b', 'score'],
    ['a random replica when exploring', [v('a', 0, 10), v('b', 0), v('c', 0)], 10, 'k', rng(0.001, 0.9), 'c', 'explore'],
  ])('picks %s', (_name, views, total, key, r, id, reason) => {
    const pick = scoreReplicas(views, total, key, DEFAULT_SCORER, r);
    expect(views[pick.index]?.id).toBe(id);
    expect(pick.reason).toBe(reason);
  });

  it('sends an unseen prefix to the same replica from every proxy, among the least loaded', () => {
    const views = [v('a', 0), v('b', 0), v('c', 0), v('d', 0)];
    const picks = new Set(Array.from({ length: 20 }, (_, i) => scoreReplicas(views, 10, 'tenant-7', DEFAULT_SCORER, rng(0.5, i / 20)).index));
    expect(picks.size).toBe(1);
    const owner = [...picks][0] ?? 0;
    const busy = views.map((x, i) => (i === owner ? v(x.id, 5) : x));
    const moved = scoreReplicas(busy, 10, 'tenant-7', DEFAULT_SCORER, rng(0.5));
    expect(moved.reason).toBe('hash');
    expect(moved.index).not.toBe(owner);
  });

  it('reports every replica’s terms on a scored pick', () => {
    const pick = scoreReplicas([v('a', 0, 5, 0.5), v('b', 4, 0, null)], 10, null, DEFAULT_SCORER, rng(0.5));
    expect(pick.scores).toEqual([
      { id: 'a', prefix: 0.5, queue: 1, kv: 0.5, total: 3 * 0.5 + 2 + 0.5 },
      { id: 'b', prefix: 0, queue: 0, kv: 1, total: 1 },
    ]);
  });
});
