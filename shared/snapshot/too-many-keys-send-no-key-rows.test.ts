import { afterEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppGates, type SnapshotReader } from './load-app-snapshot.ts';

let store: TempStore | null = null;
afterEach(() => store?.dispose());

async function withKeys(counts: Record<string, number>): Promise<TempStore> {
  const s = await openTempStore();
  for (const [project, n] of Object.entries(counts)) {
    await upsertProject(s.client, { id: project, name: project }, 1);
    for (let i = 0; i < n; i++) {
      await s.client.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, 1)', args: [`${project}-k${i}`, project, `${project}-h${i}`] });
    }
  }
  return s;
}

const projectsOf = (keys: ReadonlyMap<string, { projectId: string }> | null): string[] => [...new Set([...(keys?.values() ?? [])].map((k) => k.projectId))].sort();

// Past the number of keys the edge holds, every re-read used to carry limit + 1 key rows and drop them.
describe('loadAppGates past maxKeys', () => {
  it('does not transfer the keys of a project that does not fit', async () => {
    store = await withKeys({ acme: 50 });
    let rows = 0;
    const db = store.client as unknown as SnapshotReader;
    const counting: SnapshotReader = { batch: async (s, m) => { const r = await db.batch(s, m); for (const rs of r) rows += rs.rows.length; return r; } };
    const read = await loadAppGates(counting, 40);
    expect(read.keys?.size).toBe(0);
    expect([...read.unheld]).toEqual(['acme']);
    // The read finds acme has too many keys to hold; it should not have carried 41 of them.
    expect(rows).toBeLessThan(10);
  });
});

// One project with too many keys used to make the edge read every tenant's keys one by one.
describe('loadAppGates holds keys per project', () => {
  it('holds whole projects, fewest keys first, while the total fits; the rest are unheld', async () => {
    // Ascending: b 3 (3), c 3 (6: a tie, by id), d 10 (16 > 15): d stops the run, and a (60) too.
    store = await withKeys({ a: 60, b: 3, c: 3, d: 10 });
    const read = await loadAppGates(store.client, 15);
    expect(projectsOf(read.keys)).toEqual(['b', 'c']);
    expect(read.keys?.size).toBe(6);
    expect([...read.unheld].sort()).toEqual(['a', 'd']);
  });

  it('exactly the limit fits; ties are broken by project id', async () => {
    store = await withKeys({ x: 2, w: 2, big: 5 });
    expect(projectsOf((await loadAppGates(store.client, 4)).keys)).toEqual(['w', 'x']);
    const three = await loadAppGates(store.client, 3);
    expect(projectsOf(three.keys)).toEqual(['w']);
    expect([...three.unheld].sort()).toEqual(['big', 'x']);
  });

  it('every project fits: none unheld', async () => {
    store = await withKeys({ a: 2, b: 1 });
    const read = await loadAppGates(store.client, 100);
    expect(read.keys?.size).toBe(3);
    expect(read.unheld.size).toBe(0);
  });
});
