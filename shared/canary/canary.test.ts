import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision/policy.ts';
import { inCanary, parseCanary } from './canary.ts';

const POLICY = JSON.stringify({ ROUTE_POLICY_VERSION: 'v2', ROUTE_LATENCY_VALUE_USD: '0' });

describe('parseCanary', () => {
  it.each([
    [{}, null, []],
    [{ ROUTE_CANARY_PERCENT: '0', ROUTE_CANARY_POLICY: POLICY }, null, []],
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: POLICY }, 5, []],
    [{ ROUTE_CANARY_PERCENT: '0.5', ROUTE_CANARY_POLICY: POLICY }, 0.5, []],
    [{ ROUTE_CANARY_PERCENT: '5' }, undefined, ['ROUTE_CANARY_POLICY']],
    [{ ROUTE_CANARY_PERCENT: '-1', ROUTE_CANARY_POLICY: POLICY }, undefined, ['ROUTE_CANARY_PERCENT']],
    [{ ROUTE_CANARY_PERCENT: 'half', ROUTE_CANARY_POLICY: '[1]' }, undefined, ['ROUTE_CANARY_PERCENT', 'ROUTE_CANARY_POLICY']],
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"default"}' }, undefined, ['ROUTE_CANARY_POLICY']],
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"v2","EDGE_AUTH":"off"}' }, undefined, ['ROUTE_CANARY_POLICY']],
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"v2","ROUTE_MODEL":"x","ROUTE_PANIC":"y"}' }, undefined, ['ROUTE_CANARY_POLICY.ROUTE_MODEL', 'ROUTE_CANARY_POLICY.ROUTE_PANIC']],
  ])('%j → percent %s, errors %j', (env, percent, errors) => {
    const r = parseCanary(env, DEFAULT_POLICY);
    if (errors.length === 0) {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.value?.percent ?? null).toBe(percent);
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.variable)).toEqual(expect.arrayContaining(errors));
    }
  });

  // A typo was dropped silently: the canary ran the stable values under the candidate's name.
  it('refuses an override that is not a policy variable, naming the one meant', () => {
    const r = parseCanary({ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"v2","ROUTE_LATENCY_VALUE_UDS":"0"}' }, DEFAULT_POLICY);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([
      'ROUTE_CANARY_POLICY: key ROUTE_LATENCY_VALUE_UDS: ROUTE_LATENCY_VALUE_UDS is not a policy variable (did you mean ROUTE_LATENCY_VALUE_USD?)',
    ]);
  });

  it('the candidate is the stable vars with the overrides on top', () => {
    const r = parseCanary({ ROUTE_MAX_FALLBACKS: '1', ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: POLICY }, DEFAULT_POLICY);
    expect(r.ok && r.value?.policy).toMatchObject({ version: 'v2', maxFallbacks: 1, ttft: { usdPerGpuHourPerMs: 0 } });
  });
});

describe('inCanary', () => {
  it('is stable per key and takes about the given share', () => {
    let n = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = inCanary('acme/chat', `session-${i}`, 5);
      expect(inCanary('acme/chat', `session-${i}`, 5)).toBe(a);
      if (a) n++;
    }
    expect(n / 20_000).toBeGreaterThan(0.04);
    expect(n / 20_000).toBeLessThan(0.06);
    expect(inCanary('a', 'k', 0)).toBe(false);
    expect(inCanary('a', 'k', 100)).toBe(true);
  });
});
