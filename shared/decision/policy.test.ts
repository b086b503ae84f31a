import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, POLICY_VARIABLES, parsePolicy, resolveStrategy } from './policy.ts';
import type { Policy } from './types.ts';

type Env = Record<string, string>;

describe('parsePolicy: valid', () => {
  it.each<[string, Env, Partial<Policy>]>([
    ['nothing set', {}, {}],
    ['unrelated variables are ignored', { EDGE_CACHE_TTL: 'nonsense', PATH: '/bin' }, {}],
    ['blank means unset', { ROUTE_WEIGHT_COST: '', ROUTE_POLICY_VERSION: '  ' }, {}],
    ['version', { ROUTE_POLICY_VERSION: 'exp-7' }, { version: 'exp-7' }],
    [
      'strategy',
      { ROUTE_DEFAULT_STRATEGY: 'least-outstanding' },
      { defaultStrategy: 'least-outstanding' },
    ],
    [
      'weights',
      { ROUTE_WEIGHT_LATENCY: '2', ROUTE_WEIGHT_COST: '0', ROUTE_WEIGHT_LOCALITY: '1.5' },
      { weights: { latency: 2, cost: 0, locality: 1.5 } },
    ],
    ['half latency in s', { ROUTE_LATENCY_HALF_MS: '0.2s' }, { latencyHalfMs: 200 }],
    ['half latency bare ms', { ROUTE_LATENCY_HALF_MS: '80' }, { latencyHalfMs: 80 }],
    ['cost fade', { ROUTE_COST_FADE_UTILIZATION: '0.5' }, { costFadeUtilization: 0.5 }],
    ['locality window', { ROUTE_LOCALITY_WINDOW: '5m' }, { localityWindowMs: 300_000 }],
    [
      'stale limits',
      { ROUTE_STALE_SOFT: '5s', ROUTE_STALE_HARD: '30s', ROUTE_STALE_FLOOR: '0' },
      { staleSoftMs: 5000, staleHardMs: 30_000, staleFloor: 0 },
    ],
    ['panic off', { ROUTE_PANIC: 'off' }, { panic: 'off' }],
    ['fallbacks', { ROUTE_MAX_FALLBACKS: '0' }, { maxFallbacks: 0 }],
  ])('%s', (_name, env, overrides) => {
    expect(parsePolicy(env)).toEqual({ ok: true, value: { ...DEFAULT_POLICY, ...overrides } });
  });
});

describe('parsePolicy: invalid', () => {
  it.each<[string, Env, string[]]>([
    [
      'latency weight not a number',
      { ROUTE_WEIGHT_LATENCY: 'abc' },
      ['ROUTE_WEIGHT_LATENCY="abc": expected a number between 0 and 10'],
    ],
    [
      'unknown strategy',
      { ROUTE_DEFAULT_STRATEGY: 'fastest' },
      [
        'ROUTE_DEFAULT_STRATEGY="fastest": expected one of switchyard, round-robin, random, weighted, least-outstanding, consistent-hash, power-of-two',
      ],
    ],
    [
      'bad duration',
      { ROUTE_STALE_HARD: '2 minutes' },
      [
        'ROUTE_STALE_HARD="2 minutes": expected a duration between 1ms and 1h (e.g. 1500, 1500ms, 2s, 5m)',
      ],
    ],
    [
      'fade of zero',
      { ROUTE_COST_FADE_UTILIZATION: '0' },
      ['ROUTE_COST_FADE_UTILIZATION="0": expected a number between 0.01 and 1'],
    ],
    [
      'soft not below hard',
      { ROUTE_STALE_SOFT: '1m', ROUTE_STALE_HARD: '60s' },
      ['ROUTE_STALE_SOFT (60000 ms) must be less than ROUTE_STALE_HARD (60000 ms)'],
    ],
    [
      'soft above default hard',
      { ROUTE_STALE_SOFT: '5m' },
      ['ROUTE_STALE_SOFT (300000 ms) must be less than ROUTE_STALE_HARD (120000 ms)'],
    ],
    ['panic mode', { ROUTE_PANIC: 'yes' }, ['ROUTE_PANIC="yes": expected one of off, least-bad']],
    [
      'fallbacks fractional',
      { ROUTE_MAX_FALLBACKS: '2.5' },
      ['ROUTE_MAX_FALLBACKS="2.5": expected an integer between 0 and 16'],
    ],
    [
      'whitespace inside a number',
      { ROUTE_WEIGHT_COST: '1 5' },
      ['ROUTE_WEIGHT_COST="1 5": expected a number between 0 and 10'],
    ],
    [
      'every invalid field at once',
      {
        ROUTE_POLICY_VERSION: 'v1',
        ROUTE_DEFAULT_STRATEGY: 'x',
        ROUTE_WEIGHT_LATENCY: '-1',
        ROUTE_WEIGHT_COST: '11',
        ROUTE_WEIGHT_LOCALITY: 'NaN',
        ROUTE_LATENCY_HALF_MS: '0',
        ROUTE_COST_FADE_UTILIZATION: '1.5',
        ROUTE_LOCALITY_WINDOW: '2d',
        ROUTE_STALE_SOFT: 'soon',
        ROUTE_STALE_HARD: '0',
        ROUTE_STALE_FLOOR: '2',
        ROUTE_PANIC: 'on',
        ROUTE_MAX_FALLBACKS: '17',
      },
      [
        'ROUTE_DEFAULT_STRATEGY=',
        'ROUTE_WEIGHT_LATENCY=',
        'ROUTE_WEIGHT_COST=',
        'ROUTE_WEIGHT_LOCALITY=',
        'ROUTE_LATENCY_HALF_MS=',
        'ROUTE_COST_FADE_UTILIZATION=',
        'ROUTE_LOCALITY_WINDOW=',
        'ROUTE_STALE_SOFT=',
        'ROUTE_STALE_HARD=',
        'ROUTE_STALE_FLOOR=',
        'ROUTE_PANIC=',
        'ROUTE_MAX_FALLBACKS=',
      ],
    ],
  ])('%s', (_name, env, messages) => {
    const result = parsePolicy(env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(messages.length);
    result.errors.forEach((e, i) => expect(e.message.startsWith(messages[i] ?? '?')).toBe(true));
  });
});

describe('POLICY_VARIABLES', () => {
  it('documents every variable parsePolicy reads, each with a default that parses', () => {
    const names = POLICY_VARIABLES.map((v) => v.name);
    expect(names).toHaveLength(28);
    for (const v of POLICY_VARIABLES) {
      expect(v.description.length).toBeGreaterThan(10);
      if (v.name === 'ROUTE_STALE_SOFT' || v.name === 'ROUTE_STALE_HARD') continue;
      expect(parsePolicy({ [v.name]: v.default })).toEqual({ ok: true, value: DEFAULT_POLICY });
    }
    expect(parsePolicy({ ROUTE_STALE_SOFT: '15s', ROUTE_STALE_HARD: '2m' })).toEqual({
      ok: true,
      value: DEFAULT_POLICY,
    });
  });
});

describe('resolveStrategy', () => {
  it("keeps the app's own strategy and defaults only when none is configured", () => {
    const policy = { ...DEFAULT_POLICY, defaultStrategy: 'random' as const };
    expect(resolveStrategy('round-robin', policy)).toBe('round-robin');
    expect(resolveStrategy('switchyard', policy)).toBe('switchyard');
    expect(resolveStrategy(undefined, policy)).toBe('random');
    expect(resolveStrategy(null, policy)).toBe('random');
  });

  it('runs the pipeline across clusters for an inference-aware app (a replica-level strategy)', () => {
    expect(resolveStrategy('inference-aware', DEFAULT_POLICY)).toBe('switchyard');
    expect(resolveStrategy(null, { ...DEFAULT_POLICY, defaultStrategy: 'inference-aware' })).toBe('switchyard');
  });
});
