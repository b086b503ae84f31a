import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../control/config/parse-config.ts';
import { NOT_READ_YET } from '../../control/config/stored-rows.ts';
import { HELD_OUT } from './held-out-utterances.ts';
import { crossValidatedAccuracy, trainIntentClassifier } from './intent-classifier.ts';
import { compileRoutes, matchRoute } from './match-route.ts';

const yaml = readFileSync(new URL('../../examples/routes.yaml', import.meta.url), 'utf8');

function exampleRoutes() {
  const r = parseConfig(yaml, 'routes.yaml', NOT_READ_YET);
  if (!r.valid) throw new Error(JSON.stringify(r.errors));
  const routes = r.config.apps[0]?.routes;
  if (routes === undefined) throw new Error('examples/routes.yaml declares routes');
  return routes;
}

describe('intent classifier on examples/routes.yaml (3 intents x 30 examples)', () => {
  it('has 30 examples per intent', () => {
    const { intents } = exampleRoutes();
    expect(Object.fromEntries(Object.entries(intents).map(([k, v]) => [k, v.length]))).toEqual({ code: 30, chat: 30, summarise: 30 });
  });

  it('routes the held-out set (30 utterances not in the config) with >= 90 % accuracy', () => {
    const compiled = compileRoutes(exampleRoutes());
    const wrong: string[] = [];
    for (const [intent, utterance] of HELD_OUT) {
      const m = matchRoute(compiled, { fn: 'v1/chat/completions', header: () => null, model: 'chat-70b', prompt: utterance, declared: null });
      if (!m.ok) throw new Error('no declared route here');
      // The catch-all `chat` route takes what is neither code nor summarise.
      if (m.note.route !== intent) wrong.push(`${intent}: "${utterance}" -> ${m.note.route ?? 'none'} ${JSON.stringify(m.note.scores)}`);
    }
    const accuracy = 1 - wrong.length / HELD_OUT.length;
    console.log(`held-out routing accuracy: ${(accuracy * 100).toFixed(1)} % (${HELD_OUT.length - wrong.length}/${HELD_OUT.length})`, wrong);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('5-fold cross-validation over the 90 config examples: >= 70 %', () => {
    const accuracy = crossValidatedAccuracy(exampleRoutes().intents, 5);
    console.log(`5-fold cross-validated accuracy: ${(accuracy * 100).toFixed(1)} %`);
    expect(accuracy).toBeGreaterThanOrEqual(0.7);
  });

  it('scores are probabilities that sum to 1, the top one is the label', () => {
    const c = trainIntentClassifier(exampleRoutes().intents);
    const r = c.classify('class Foo { constructor() { return this.toString(); } } __proto__ hasOwnProperty');
    const total = Object.values(r.scores).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 3);
    expect(Object.values(r.scores).every((s) => Number.isFinite(s))).toBe(true);
    expect(r.scores[r.label]).toBe(Math.max(...Object.values(r.scores)));
  });

  it('a text with no known word falls back to the priors (equal here), not NaN', () => {
    const c = trainIntentClassifier(exampleRoutes().intents);
    const r = c.classify('zzzz qqqq');
    expect(Object.values(r.scores)).toEqual([0.3333, 0.3333, 0.3333]);
  });
});
