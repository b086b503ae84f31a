import { afterEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { loadAppGates, type SnapshotReader } from './load-app-snapshot.ts';

let store: TempStore | null = null;
afterEach(() => store?.dispose());

/** Key hashes are `<project>-h<i>` unless `hashOf` says otherwise. */
async function withKeys(counts: Record<string, number>, hashOf = (project: string, i: number): string => `${project}-h${i}`): Promise<TempStore> {
  const s = await openTempStore();
  for (const [project, n] of Object.entries(counts)) {
    await upsertProject(s.client, { id: project, name: project }, 1);
    for (let i = 0; i < n; i++) {
      await s.client.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, 1)', args: [`${project}-k${i}`, project, hashOf(project, i)] });
    }
  }
  return s;
}

/** A hex SHA-256-shaped hash: project letter code and index in the first 8 characters. */
const hexHash = (project: string, i: number): string => `${project.charCodeAt(0).toString(16)}${i.toString(16).padStart(6, '0')}`.padEnd(64, 'e');

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

// G1 (s47): a project past maxKeys had every key, made-up ones too, read one by one. The read now
// carries, with each unheld project (fewest keys first, while they total filteredKeys), a filter of
// its key hashes: 8 hex characters a key in one column, not a row per key.
describe('loadAppGates filters the key hashes of projects past maxKeys', () => {
  it('a filter per unheld project while their keys total filteredKeys, smallest first', async () => {
    // Ascending: b 2 held (limit 2); then c 5 (filtered 5), a 8 (13 > 10): a is not filtered.
    store = await withKeys({ a: 8, b: 2, c: 5 }, hexHash);
    const read = await loadAppGates(store.client, 2, 10);
    expect(projectsOf(read.keys)).toEqual(['b']);
    expect([...read.unheld].sort()).toEqual(['a', 'c']);
    expect([...read.filters.keys()]).toEqual(['c']);
    const c = read.filters.get('c');
    expect(c?.size).toBe(5);
    for (let i = 0; i < 5; i++) expect(c?.mayHold(hexHash('c', i))).toBe(true);
    expect(c?.mayHold(hexHash('c', 5))).toBe(false);
    expect(c?.mayHold(hexHash('a', 0))).toBe(false); // another project's key is none of c's
    // Room for both: a is filtered too.
    expect([...(await loadAppGates(store.client, 2, 13)).filters.keys()].sort()).toEqual(['a', 'c']);
    // None (EDGE_MAX_FILTERED_KEYS 0): every unheld key is looked up, as before.
    expect((await loadAppGates(store.client, 2, 0)).filters.size).toBe(0);
  });

  it('one row per project, not per key', async () => {
    store = await withKeys({ acme: 50 }, hexHash);
    let rows = 0;
    const db = store.client as unknown as SnapshotReader;
    const counting: SnapshotReader = { batch: async (s, m) => { const r = await db.batch(s, m); for (const rs of r) rows += rs.rows.length; return r; } };
    const read = await loadAppGates(counting, 40, 1_000);
    expect(read.filters.get('acme')?.size).toBe(50);
    expect(rows).toBeLessThan(10);
  });

  it('leaves out a hash no request could match, and the project keeps its filter', async () => {
    store = await withKeys({ acme: 3 }, (p, i) => (i === 0 ? 'not-a-sha256' : i === 1 ? 'ABCDEF01'.padEnd(64, 'E') : hexHash(p, i)));
    const read = await loadAppGates(store.client, 1, 100);
    expect(read.filters.get('acme')?.size).toBe(1);
    expect(read.filters.get('acme')?.mayHold(hexHash('acme', 2))).toBe(true);
    expect(read.unreadable).toEqual([]);
  });
});
