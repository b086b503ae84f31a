import { describe, expect, it } from 'vitest';
import { PATH_CASES, QUERY_CASES, checkPathCase, checkQueryCase } from './request-path-cases.ts';
import { projectOfAppId } from './request-path.ts';

describe('parseAppPath (shared case table)', () => {
  it.each(PATH_CASES.map(([input, expected]) => [input, expected] as const))('%s', (input, expected) => {
    expect(checkPathCase(input, expected)).toBeNull();
  });
});

describe('splitQuery (shared case table)', () => {
  it.each(QUERY_CASES.map((c) => [...c] as const))('%s → %s', (input, search, params) => {
    expect(checkQueryCase(input, search, params)).toBeNull();
  });
});

describe('projectOfAppId', () => {
  it.each([
    ['acme/chat', 'acme'],
    ['acme/chat#summarise', 'acme'],
    ['acme', 'acme'],
    ['', ''],
  ])('%s → %s', (id, project) => expect(projectOfAppId(id)).toBe(project));
});
