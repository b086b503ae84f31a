import { describe, expect, it } from 'vitest';
import { parseApiKeyRows } from './parse-api-key.ts';

const row = (hash: string, revoked = 0) => ({ id: `id-${hash}`, project_id: 'acme', hash, revoked });

describe('parseApiKeyRows (the edge holds every key, or none past its bound)', () => {
  it.each([
    { name: 'no keys', rows: [], count: 0, limit: 3, hashes: [] as string[] },
    { name: 'within the bound: all, by hash', rows: [row('a'), row('b', 1)], count: 2, limit: 3, hashes: ['a', 'b'] },
    { name: 'exactly the bound', rows: [row('a'), row('b'), row('c')], count: 3, limit: 3, hashes: ['a', 'b', 'c'] },
    { name: 'past the bound (the statement sends no rows): none, looked up one by one', rows: [], count: 4, limit: 3, hashes: null },
  ])('$name', ({ rows, count, limit, hashes }) => {
    const { keys } = parseApiKeyRows(rows, count, limit);
    expect(keys === null ? null : [...keys.keys()]).toEqual(hashes);
  });

  it('keeps what the check needs: project and revoked', () => {
    expect(parseApiKeyRows([row('a', 1)], 1, 3).keys?.get('a')).toEqual({ id: 'id-a', projectId: 'acme', hash: 'a', revoked: true });
  });
});
