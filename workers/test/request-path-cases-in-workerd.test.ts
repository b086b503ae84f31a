/**
 * The canonical path and raw-query case tables (shared/http/request-path-cases.ts), run inside
 * workerd. The same tables run under Node for the proxy; a case failing only here means edge and
 * proxy would disagree about which function a request calls.
 */
import { describe, expect, it } from 'vitest';
import { PATH_CASES, QUERY_CASES, checkPathCase, checkQueryCase } from '../../shared/http/request-path-cases.ts';

describe('shared path cases in workerd', () => {
  it.each(PATH_CASES.map(([input, expected]) => [input, expected] as const))('%s', (input, expected) => {
    expect(checkPathCase(input, expected)).toBeNull();
  });
});

describe('shared query cases in workerd', () => {
  it.each(QUERY_CASES.map((c) => [...c] as const))('%s → %s', (input, search, params) => {
    expect(checkQueryCase(input, search, params)).toBeNull();
  });
});
