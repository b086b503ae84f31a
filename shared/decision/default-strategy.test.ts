import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { parsePolicy } from './policy.ts';
import { cluster, context, request, snapshot, state } from './test-fixtures.ts';

// An app whose config names no strategy follows ROUTE_DEFAULT_STRATEGY; one that names a
// strategy keeps it whatever the default says.
describe('default strategy', () => {
  const clusters = [cluster('a', 'us-east'), cluster('b', 'eu-west')];
  const states = [state('a'), state('b')];
  const policyFrom = (env: Record<string, string>) => {
    const r = parsePolicy(env);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  };

  it.each([
    ['unset app strategy, default policy', null, {}, 'switchyard'],
    ['unset app strategy, ROUTE_DEFAULT_STRATEGY=round-robin', null, { ROUTE_DEFAULT_STRATEGY: 'round-robin' }, 'round-robin'],
    ['app names random, default says round-robin', 'random', { ROUTE_DEFAULT_STRATEGY: 'round-robin' }, 'random'],
  ] as const)('%s', (_name, appStrategy, env, expected) => {
    const snap = snapshot({ app: { strategy: appStrategy }, clusters, states });
    const d = decide(request(), snap, policyFrom(env), context());
    expect(d.strategy).toBe(expected);
  });
});
