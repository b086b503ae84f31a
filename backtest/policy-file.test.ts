import { describe, expect, it } from 'vitest';
import { BacktestError } from './errors.ts';
import { parseEnvFile, policyFromEnvText } from './policy-file.ts';

describe('policy env file: valid', () => {
  it.each([
    ['empty file', '', { cost: 0.5 }],
    ['comments, export and quotes', '# tune\nexport ROUTE_WEIGHT_COST="0"\n\nROUTE_WEIGHT_LATENCY=\'3\'\n', { cost: 0, latency: 3 }],
    ['unrelated variables ignored', 'EDGE_CACHE_TTL=5\nROUTE_WEIGHT_COST=2', { cost: 2 }],
    ['the canary\'s variables beside the policy', 'ROUTE_CANARY_PERCENT=5\nROUTE_WEIGHT_COST=2', { cost: 2 }],
  ])('%s', (_name, text, weights) => {
    expect(policyFromEnvText(text, 'p.env').weights).toMatchObject(weights);
  });
});

describe('policy env file: invalid', () => {
  it.each([
    ['a line without =', 'ROUTE_WEIGHT_COST=1\nnonsense here\n', ['p.env:2', 'KEY=VALUE']],
    ['a bad value names file, line and variable', '\nROUTE_WEIGHT_COST=cheap\n', ['p.env:2', 'ROUTE_WEIGHT_COST']],
    ['every bad value at once', 'ROUTE_WEIGHT_COST=-1\nROUTE_PANIC=maybe\n', ['p.env:1', 'p.env:2', 'ROUTE_PANIC']],
    // Else the replay ran the default under the file's name, and reported it as the altered policy.
    ['a misspelt policy variable', 'ROUTE_MODLE=weights\n', ['p.env:1', 'ROUTE_MODLE is not a policy variable (did you mean ROUTE_MODEL?)']],
    ['a misspelt canary variable', 'ROUTE_CANARY_PERCNT=5\n', ['p.env:1', 'did you mean ROUTE_CANARY_PERCENT?']],
    // Env names are case-sensitive: nothing reads route_model, so the replay ran the defaults.
    ['a lower-case policy variable', 'route_model=weights\n', ['p.env:1', 'route_model is not a policy variable (did you mean ROUTE_MODEL?)']],
  ])('%s', (_name, text, parts) => {
    let err: unknown;
    try {
      policyFromEnvText(text, 'p.env');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BacktestError);
    const e = err as BacktestError;
    expect(e.code).toBe('policy-file');
    for (const p of parts) expect(e.message).toContain(p);
  });

  it('keeps line numbers', () => {
    expect(parseEnvFile('\n# c\nA=1', 'f').map((l) => l.line)).toEqual([3]);
  });
});
