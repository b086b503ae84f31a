import { describe, expect, it } from 'vitest';
import { compileGlobs } from './glob-match.ts';

describe('route globs', () => {
  it.each([
    [['llama-3*'], 'Llama-3.1-70B', true],
    [['llama-3*'], 'xllama-3', false],
    [['*-instruct'], 'qwen-2.5-coder-instruct', true],
    [['coder-*-*-instruct'], 'coder-7b-v2-instruct', true],
    [['coder-*-*-instruct'], 'coder-7b-instruct', false], // two stars need two dashes between
    [['coder-*-*-instruct'], 'coder--instruct', false],
    [['coder-*-*-instruct'], 'coder---instruct', true],
    [['a*a'], 'a', false], // prefix and suffix may not overlap
    [['a*a'], 'aa', true],
    [['*'], '', true],
    [['exact'], 'EXACT', true],
    [['exact'], 'exactly', false],
    [['x*', 'y*'], 'yes', true],
    [['*.*'], 'v1.2', true],
    [['a*b*c'], 'acb', false],
    [['a*b*c'], 'abbc', true],
  ] as const)('%j matches %j: %s', (patterns, value, expected) => {
    expect(compileGlobs(patterns)(value)).toBe(expected);
  });

  it('agrees with the regex reading of the same globs', () => {
    const regexOf = (p: string): RegExp => new RegExp(`^${p.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    const patterns = ['a*', '*a', 'a*b', '*a*', 'ab*ba', '*-*-*', 'a**b'];
    const values = ['', 'a', 'b', 'ab', 'ba', 'aba', 'abba', 'abab', '-', '--', 'x-y-z', 'aXb', 'abXba'];
    for (const p of patterns) for (const v of values) expect(compileGlobs([p])(v), `${p} ~ ${v}`).toBe(regexOf(p).test(v));
  });

  it('takes linear time on a long value a backtracking regex stalls on', () => {
    // The regex reading took seconds here (three stars: cubic in the length).
    const m = compileGlobs(['*-*-*-coder']);
    const value = '-'.repeat(3_000);
    const t0 = performance.now();
    expect(m(value)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});
