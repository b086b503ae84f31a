import { describe, expect, it } from 'vitest';
import { KeyHashFilter } from './key-hash-filter.ts';

const hash = (prefix: string): string => prefix + 'a'.repeat(64 - prefix.length);

describe('KeyHashFilter', () => {
  const f = KeyHashFilter.fromHex(['ffffffff', '00000000', '0a0b0c0d', '80000000', '0a0b0c0d'].join(''));

  it.each([
    ['00000000', true],
    ['0a0b0c0d', true],
    ['80000000', true],
    ['ffffffff', true],
    ['0a0b0c0e', false],
    ['7fffffff', false],
    ['fffffffe', false],
    ['00000001', false],
    // Not what the edge hashes to: no stored key can match it.
    ['0A0B0C0D', false],
    ['0a0b0c0', false],
  ])('prefix %s: may hold %s', (prefix, want) => {
    expect(f?.mayHold(prefix.length === 8 ? hash(prefix) : prefix)).toBe(want);
  });

  it('holds 4 bytes a key, duplicates included', () => {
    expect(f?.size).toBe(5);
  });

  it('an empty project holds nothing', () => {
    expect(KeyHashFilter.fromHex('')?.mayHold(hash('00000000'))).toBe(false);
  });

  it.each([['0a0b0c0'], ['0a0b0c0dz0000000'], ['0A0B0C0D']])('refuses to build from %j (its keys are then all looked up)', (joined) => {
    expect(KeyHashFilter.fromHex(joined)).toBeNull();
  });

  it('agrees with a set on many random prefixes', () => {
    const keys = Array.from({ length: 2_000 }, () => crypto.getRandomValues(new Uint32Array(1))[0] ?? 0);
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    const filter = KeyHashFilter.fromHex(keys.map(hex).join(''));
    const set = new Set(keys);
    for (const k of keys) expect(filter?.mayHold(hash(hex(k)))).toBe(true);
    for (let i = 0; i < 2_000; i++) {
      const probe = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
      expect(filter?.mayHold(hash(hex(probe)))).toBe(set.has(probe));
    }
  });
});
