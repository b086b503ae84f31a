import { describe, expect, it } from 'vitest';
import { compileRoutes, matchRoute, type RouteInput } from './match-route.ts';
import { resolveRoutes } from './resolve-routes.ts';

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
