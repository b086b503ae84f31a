import { afterEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppGates, type SnapshotReader } from './load-app-snapshot.ts';

let store: TempStore | null = null;
afterEach(() => store?.dispose());

// Past the number of keys the edge holds, every re-read used to carry limit + 1 key rows and drop them.
describe('loadAppGates past maxKeys', () => {
  it('does not transfer every key it then throws away', async () => {
    store = await openTempStore();
    await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
    for (let i = 0; i < 50; i++) {
      await store.client.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, 1)', args: [`k${i}`, 'acme', `h${i}`] });
    }
    let rows = 0;
    const db = store.client as unknown as SnapshotReader;
    const counting: SnapshotReader = { batch: async (s, m) => { const r = await db.batch(s, m); for (const rs of r) rows += rs.rows.length; return r; } };
    const read = await loadAppGates(counting, 40);
    expect(read.keys).toBeNull();
    // The read finds there are too many keys to hold; it should not have carried 41 of them.
    expect(rows).toBeLessThan(10);
  });
});
