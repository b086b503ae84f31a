import { describe, expect, it } from 'vitest';
import { readJobKey } from './job-key.ts';

describe('readJobKey: the one job key rule of edge and proxy', () => {
  it.each([
    ['the app has no job key header', null, 'job-1', { ok: true, key: null }],
    ['the header is absent (null)', 'x-job-id', null, { ok: true, key: null }],
    ['the header is absent (undefined)', 'x-job-id', undefined, { ok: true, key: null }],
    ['a valid key', 'x-job-id', 'job-42', { ok: true, key: 'job-42' }],
    ['the longest key', 'x-job-id', 'k'.repeat(256), { ok: true, key: 'k'.repeat(256) }],
  ] as const)('%s', (_name, header, value, want) => {
    expect(readJobKey(header, value)).toEqual(want);
  });

  it.each([
    ['explicitly empty', ''],
    ['too long', 'k'.repeat(257)],
    ['with a space (also two headers joined)', 'job-1, job-2'],
    ['not ASCII', 'jöb'],
  ])('a key that is %s is the client’s error', (_name, value) => {
    const read = readJobKey('x-job-id', value);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toContain('x-job-id');
  });
});
