import { describe, expect, it } from 'vitest';
import { MAX_REQUEUE_MS, requeueDelayMs, type RequeueInput } from './async-job-requeue.ts';

const base: RequeueInput = { status: 429, retryAfter: '2', createdAt: 0, now: 10_000, maxWaitMs: 900_000, random: 0 };
const NOW_HTTP = new Date(10_000).toUTCString();

describe('requeueDelayMs', () => {
  it.each<[string, Partial<RequeueInput>, number | null]>([
    ['429 with Retry-After seconds waits that long', {}, 2_000],
    ['jitter adds up to a fifth', { random: 0.5 }, 2_200],
    ['429 without Retry-After still backs off a second', { retryAfter: undefined }, 1_000],
    ['503 with Retry-After is back-pressure', { status: 503, retryAfter: '1' }, 1_000],
    ['503 without Retry-After is a failure: the answer is the result', { status: 503, retryAfter: undefined }, null],
    ['a success is the result', { status: 200 }, null],
    ['a client error is the result', { status: 400 }, null],
    ['an engine 500 is the result', { status: 500, retryAfter: '1' }, null],
    ['Retry-After as an HTTP date', { retryAfter: new Date(13_000).toUTCString() }, 3_000],
    ['a date in the past waits the minimum', { retryAfter: NOW_HTTP }, 250],
    ['an absurd Retry-After is clamped', { retryAfter: '86400' }, MAX_REQUEUE_MS],
    ['an unparseable 429 Retry-After falls back to a second', { retryAfter: 'soon' }, 1_000],
    ['the first of repeated headers counts', { retryAfter: ['3', '9'] }, 3_000],
    ['past the wait budget the refusal is the result', { createdAt: 0, now: 899_000 }, null],
  ])('%s', (_name, patch, expected) => {
    expect(requeueDelayMs({ ...base, ...patch })).toBe(expected);
  });
});
