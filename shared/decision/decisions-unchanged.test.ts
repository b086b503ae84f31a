import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODELS, SIZES, STRATEGIES, digestOf } from './decisions-unchanged.ts';

// Digests recorded from main (9aa3e6f) before the request-path work on decide(): the hot path
// may get faster, never different.
const recorded = JSON.parse(readFileSync(new URL('./fixtures/decision-digests-main.json', import.meta.url), 'utf8')) as Record<string, string>;

const cases = STRATEGIES.flatMap((strategy) => MODELS.flatMap((model) => SIZES.map((n) => ({ strategy, model, n }))));

describe('decisions are byte-identical to main', () => {
  it.each(cases)('$strategy, $model model, $n candidates', ({ strategy, model, n }) => {
    expect(digestOf(strategy, model, n)).toBe(recorded[`${strategy}/${model}/${n}`]);
  });
});
