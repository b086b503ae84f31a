import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const opts = { baseMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it.each([
    [0, 0, 50],
    [0, 0.999999, 100],
    [1, 0, 100],
    [2, 0.5, 300],
    [3, 0, 400],
    [4, 0, 500],
    [4, 0.999999, 1000],
    [50, 0.5, 750],
  ])('attempt %i with random %f waits %i ms', (attempt, r, expected) => {
    expect(backoffDelay(attempt, opts, () => r)).toBe(expected);
  });
});
