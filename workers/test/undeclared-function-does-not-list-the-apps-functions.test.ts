/**
 * L8: admission runs before authentication, so an anonymous client's 404 for an undeclared
 * function must not tell it which functions the app does declare (the detail goes to the log).
 */
import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

describe('an undeclared function, asked anonymously', () => {
  it('is a 404 that names only what was asked', async () => {
    const res = await call('/v4/acme/strict/_control');
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('unknown-function');
    expect(body.error.message).toContain('_control');
    // acme/strict declares v1/models (and more): none of it may appear in the answer.
    expect(JSON.stringify(body)).not.toMatch(/v1\/|declared functions/);
  });
});
