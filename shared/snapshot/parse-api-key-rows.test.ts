import { describe, expect, it } from 'vitest';
import { parseApiKeyRows, parseUnheldProjectRows } from './parse-api-key.ts';

const row = (hash: string, revoked = 0) => ({ id: `id-${hash}`, project_id: 'acme', hash, revoked });

describe('parseApiKeyRows (the keys of the projects the edge holds)', () => {
  it.each([
    { name: 'no keys', rows: [], hashes: [] as string[] },
    { name: 'all, by hash', rows: [row('a'), row('b', 1)], hashes: ['a', 'b'] },
  ])('$name', ({ rows, hashes }) => {
    expect([...parseApiKeyRows(rows).keys.keys()]).toEqual(hashes);
  });

  it('keeps what the check needs: project and revoked', () => {
    expect(parseApiKeyRows([row('a', 1)]).keys.get('a')).toEqual({ id: 'id-a', projectId: 'acme', hash: 'a', revoked: true });
  });
});

describe('parseUnheldProjectRows (the projects whose keys are read one by one)', () => {
  it('reads each project, and reports one it cannot read without failing the rest', () => {
    const { projects, unreadable } = parseUnheldProjectRows([{ id: 'big' }, { id: 7 }, { id: 'bigger' }]);
    expect([...projects]).toEqual(['big', 'bigger']);
    expect(unreadable.map((u) => u.id)).toEqual(['7']);
  });
});
