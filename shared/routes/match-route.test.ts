import { describe, expect, it } from 'vitest';
import { compileRoutes, matchRoute, type RouteInput } from './match-route.ts';
import { resolveRoutes, ROUTE_LIMITS } from './resolve-routes.ts';

const resolved = resolveRoutes(
  [
    { name: 'by-model', when: { models: ['coder-*'] }, target: { model: 'coder-7b' }, clusters: ['a'] },
    { name: 'by-header', when: { headers: { 'x-tier': 'gold*' }, paths: ['v1/chat/*'] }, target: { model: 'big', version: 'v2' } },
    { name: 'by-keyword', when: { keywords: ['def', 'SELECT'] }, target: { model: 'coder-7b' } },
    { name: 'by-regex', when: { regex: ['```'] }, target: { model: 'coder-7b' } },
    { name: 'by-intent', when: { intent: 'sum', minScore: 0.6 }, target: { model: 'sum' }, strategy: 'least-outstanding' },
  ],
  { sum: ['summarise this', 'summary of text', 'tl;dr please', 'condense notes', 'key points of article'], chat: ['hello there', 'tell a joke', 'how are you', 'good morning', 'what to cook'] },
  ['a', 'b'],
);
if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
const compiled = compileRoutes(resolved.routes);

const base: RouteInput = { fn: 'v1/completions', header: () => null, model: null, prompt: null, declared: null };
const headers = (h: Record<string, string>) => (n: string) => h[n] ?? null;

describe('matchRoute: first route whose conditions all hold', () => {
  it.each([
    ['model glob', { model: 'coder-13b' }, 'by-model', ['model coder-13b']],
    ['model glob is anchored', { model: 'my-coder-13b' }, null, []],
    ['header glob and path', { fn: 'v1/chat/completions', header: headers({ 'x-tier': 'gold-plus' }) }, 'by-header', ['path v1/chat/completions', 'header x-tier']],
    ['header but wrong path', { header: headers({ 'x-tier': 'gold' }) }, null, []],
    ['keyword, whole word, any case', { prompt: 'please select * from t' }, 'by-keyword', ['keyword "select"']],
    ['keyword inside a word does not count', { prompt: 'the default value' }, null, []],
    ['regex', { prompt: 'look ```js x```' }, 'by-regex', ['regex ```']],
    ['intent over minScore', { prompt: 'summarise the key points of this article' }, 'by-intent', null],
    ['intent under minScore is no match', { prompt: 'hello, how are you' }, null, null],
    ['no prompt: content routes cannot match', { prompt: null, promptState: 'absent' as const }, null, []],
    ['order: model route wins over keyword', { model: 'coder-1', prompt: 'def x' }, 'by-model', ['model coder-1']],
  ])('%s', (_name, input, route, why) => {
    const m = matchRoute(compiled, { ...base, ...input });
    if (!m.ok) throw new Error('unexpected unknown route');
    expect(m.note.route).toBe(route);
    expect(m.route?.name ?? null).toBe(route);
    if (why !== null) expect(m.note.why).toEqual(why);
  });

  // The model is the client's (the body's, up to ROUTE_BODY_MAX_BYTES, or a header of any length)
  // and the note goes into every decision record, held in a buffer all tenants share.
  it('names a long model by its start and length, not its whole text', () => {
    const model = `coder-${'x'.repeat(60_000)}`;
    const m = matchRoute(compiled, { ...base, model });
    if (!m.ok) throw new Error('unexpected');
    expect(m.note.route).toBe('by-model');
    expect(m.note.why).toEqual([`model ${model.slice(0, 64)}… (60006 characters)`]);
  });

  // A tenant's pattern runs on its clients' prompts on a thread every tenant shares: JavaScript's
  // backtracking engine took 0.6 s for `(a+)+$` on 27 characters, seconds on 30 (audit, session 32).
  it("runs a tenant's regex in linear time, whatever the pattern and the prompt", () => {
    const r = resolveRoutes([{ name: 'evil', when: { regex: ['(a+)+$', '(a|a)*b'] }, target: { model: 'm' } }], undefined, ['a']);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const evil = compileRoutes(r.routes);
    for (const prompt of [`${'a'.repeat(30)}!`, `${'a'.repeat(64 * 1024)}!`]) {
      const t0 = performance.now();
      expect(matchRoute(evil, { ...base, prompt })).toMatchObject({ ok: true, route: null });
      expect(performance.now() - t0).toBeLessThan(250);
    }
    expect(matchRoute(evil, { ...base, prompt: 'AAAB' })).toMatchObject({ ok: true, route: { name: 'evil' } });
  });

  it('records the classifier scores when it ran, and why', () => {
    const m = matchRoute(compiled, { ...base, prompt: 'summarise the key points of this article' });
    if (!m.ok) throw new Error('unexpected');
    expect(m.note.reason).toBe('matched');
    expect(m.note.why[0]).toMatch(/^intent sum 0\.\d+/);
    expect(m.note.scores?.['sum']).toBeGreaterThan(0.6);
    expect(m.note.target).toEqual({ model: 'sum', version: null });
  });

  it('a declared route wins without looking at the request; an unknown one is reported', () => {
    const m = matchRoute(compiled, { ...base, declared: 'by-intent' });
    expect(m).toMatchObject({ ok: true, note: { route: 'by-intent', reason: 'declared' } });
    expect(matchRoute(compiled, { ...base, declared: 'nope' })).toMatchObject({ ok: false, unknownRoute: 'nope' });
  });

  it('an app with no routes reads no body and matches nothing', () => {
    const none = compileRoutes({ routes: [], intents: {} });
    expect(none.readsBody).toBe(false);
    expect(matchRoute(none, base)).toMatchObject({ ok: true, route: null, note: { reason: 'none' } });
  });
});

describe('resolveRoutes: every problem at once', () => {
  it.each([
    ['not a list', 'x', undefined, [['routes']]],
    ['bad name, no target', [{ name: 'Bad Name' }], undefined, [['routes', 0, 'name'], ['routes', 0, 'target']]],
    ['cluster outside the app', [{ name: 'r', target: { model: 'm' }, clusters: ['z'] }], undefined, [['routes', 0, 'clusters', 0]]],
    ['bad regex and unknown intent', [{ name: 'r', target: { model: 'm' }, when: { regex: ['('], intent: 'x' } }], undefined, [['routes', 0, 'when', 'regex', 0], ['routes', 0, 'when', 'intent']]],
    ['unknown field and strategy', [{ name: 'r', target: { model: 'm' }, strategy: 'best', colour: 1 }], undefined, [['routes', 0, 'colour'], ['routes', 0, 'strategy']]],
    ['duplicate names', [{ name: 'r', target: { model: 'm' } }, { name: 'r', target: { model: 'm' } }], undefined, [['routes', 1, 'name']]],
    ['too few examples, one intent', undefined, { a: ['x'] }, [['intents', 'a'], ['intents']]],
    // What one app may make the edge do per request and per snapshot is bounded (ROUTE_LIMITS).
    ['a regex RE2 cannot run in linear time', [{ name: 'r', target: { model: 'm' }, when: { regex: ['(?<=x)y', '(a)\\1'] } }], undefined, [['routes', 0, 'when', 'regex', 0], ['routes', 0, 'when', 'regex', 1]]],
    ['too many regexes over all routes', [0, 1].map((i) => ({ name: `r${i}`, target: { model: 'm' }, when: { regex: Array.from({ length: 5 }, (_, j) => `x${j}`) } })), undefined, [['routes']]],
    ['a regex too long', [{ name: 'r', target: { model: 'm' }, when: { regex: ['x'.repeat(ROUTE_LIMITS.regexChars + 1)] } }], undefined, [['routes', 0, 'when', 'regex', 0]]],
    ['too many keywords over all routes', [{ name: 'r', target: { model: 'm' }, when: { keywords: Array.from({ length: ROUTE_LIMITS.keywords + 1 }, (_, i) => `k${i}`) } }], undefined, [['routes']]],
    ['a keyword too long', [{ name: 'r', target: { model: 'm' }, when: { keywords: ['k'.repeat(ROUTE_LIMITS.keywordChars + 1)] } }], undefined, [['routes', 0, 'when', 'keywords', 0]]],
    ['too many model globs', [{ name: 'r', target: { model: 'm' }, when: { models: Array.from({ length: ROUTE_LIMITS.globs + 1 }, (_, i) => `m${i}-*`) } }], undefined, [['routes', 0, 'when', 'models']]],
    ['too many routes', Array.from({ length: ROUTE_LIMITS.routes + 1 }, (_, i) => ({ name: `r${i}`, target: { model: 'm' } })), undefined, [['routes']]],
    ['too many intents', undefined, Object.fromEntries(Array.from({ length: ROUTE_LIMITS.intents + 1 }, (_, i) => [`i${i}`, ['a', 'b', 'c', 'd', 'e']])), [['intents']]],
    ['too many examples', undefined, { a: Array.from({ length: ROUTE_LIMITS.examplesPerIntent + 1 }, (_, i) => `e${i}`), b: ['a', 'b', 'c', 'd', 'e'] }, [['intents', 'a']]],
  ])('%s', (_name, routes, intents, paths) => {
    const r = resolveRoutes(routes, intents, ['a']);
    if (r.ok) throw new Error('expected problems');
    expect(r.problems.map((p) => p.path)).toEqual(paths);
  });

  it('absent routes and intents = no routes (apps from before routes are unchanged)', () => {
    expect(resolveRoutes(undefined, undefined, ['a'])).toEqual({ ok: true, routes: { routes: [], intents: {} } });
  });

  it('a resolved value reads back to itself (the stored JSON round-trips)', () => {
    const again = resolveRoutes(JSON.parse(JSON.stringify(resolved.routes.routes)), resolved.routes.intents, ['a', 'b']);
    expect(again).toEqual(resolved);
  });
});
