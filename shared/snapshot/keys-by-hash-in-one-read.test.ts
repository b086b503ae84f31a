import { afterEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadApiKeysByHash, type SnapshotReader } from './load-app-snapshot.ts';
import { KEYS_PER_STATEMENT } from './statements.ts';

let store: TempStore | null = null;
afterEach(() => store?.dispose());

// The edge's key cache re-reads what it holds in one round trip when the auth clock moves.
describe('loadApiKeysByHash (real libSQL)', () => {
  it.each([
    ['none asked', 0, 0],
    ['a few', 3, 1],
    ['more than one statement holds', KEYS_PER_STATEMENT * 2 + 7, 1],
  ])('%s: every existing key by hash, in at most one read', async (_, asked, batches) => {
    store = await openTempStore();
    await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
    // Every other hash asked exists (the others are keys deleted since they were cached); one is revoked.
    const hashes = Array.from({ length: asked }, (_, i) => `h${i}`);
    const existing = hashes.filter((_, i) => i % 2 === 0);
    await store.client.batch(existing.map((h, i) => ({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, ?, 1)', args: [`k-${h}`, 'acme', h, i === 0 ? 1 : 0] })), 'write');
    let reads = 0;
    const db = store.client as unknown as SnapshotReader;
    const counting: SnapshotReader = { batch: async (s, m) => { reads++; return db.batch(s, m); } };
    const keys = await loadApiKeysByHash(counting, hashes);
    expect(reads).toBe(batches);
    expect([...keys.keys()].sort()).toEqual([...existing].sort());
    if (asked > 0) expect(keys.get('h0')).toEqual({ id: 'k-h0', projectId: 'acme', hash: 'h0', revoked: true });
  });
});
