import { describe, expect, it } from 'vitest';
import { CF, OPERATOR_KEY, call, explain, fixtures, loggedDecision } from './helpers.ts';
import type { ErrorJson, TokenBody } from './helpers.ts';

// acme/routed (fixtures/seed.ts): routes as in examples/routes.yaml — coder-* model or the
// `code` intent → us-east, the `summarise` intent → eu-west, anything else → `chat` (both).
// The client is in Dublin, so without routes eu-west would win.
interface RouteNote {
  readonly route: string | null;
  readonly reason: string;
  readonly why: readonly string[];
  readonly target: { model: string; version: string | null } | null;
  readonly scores?: Record<string, number>;
  readonly prompt?: string;
}
type RoutedDecision = Awaited<ReturnType<typeof explain>> & { readonly route?: RouteNote };

const chatBody = (content: string, model = 'chat-70b'): string => JSON.stringify({ model, messages: [{ role: 'user', content }] });
const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/json', 'content-length': String(new TextEncoder().encode(body).length), ...headers },
});

describe('routes inside an app pick the deployment at the edge', () => {
  it('explain shows the matched route, why, and the classifier scores; the decision uses the route clusters', async () => {
    const d = (await explain('/v4/acme/routed/v1/chat/completions', { cf: CF.dublin, init: post(chatBody('write a python function that parses a csv file and fix the error')) })) as RoutedDecision;
    expect(d.route).toMatchObject({ route: 'code', reason: 'matched', target: { model: 'coder-7b', version: 'v2' } });
    expect(d.route?.why[0]).toMatch(/^intent code 0\.\d+$/);
    expect(Object.keys(d.route?.scores ?? {}).sort()).toEqual(['chat', 'code', 'summarise']);
    expect(d.route?.scores?.['code']).toBeGreaterThan(0.5);
    expect(d.chosen).toBe('us-east');
    expect(d.candidates.map((c) => c.clusterId)).toEqual(['us-east']);
  });

  it('a summarisation prompt goes to the summarise route (eu-west)', async () => {
    const d = (await explain('/v4/acme/routed/v1/chat/completions', { cf: CF.newYork, init: post(chatBody('summarise this article in three bullet points: the council met on tuesday')) })) as RoutedDecision;
    expect(d.route?.route).toBe('summarise');
    expect(d.chosen).toBe('eu-west');
  });

  it('small talk falls to the catch-all chat route, which keeps the app clusters', async () => {
    const d = (await explain('/v4/acme/routed/v1/chat/completions', { init: post(chatBody('hi, tell me a joke about cats')) })) as RoutedDecision;
    expect(d.route).toMatchObject({ route: 'chat', why: ['catch-all'] });
    expect(d.candidates.map((c) => c.clusterId).sort()).toEqual(['eu-west', 'us-east']);
  });

  it('forward mode: the prompt routes, and the proxy receives the body byte for byte', async () => {
    const body = chatBody('implement quicksort in javascript and write unit tests for it');
    const res = await call('/v4/acme/routed/v1/chat/completions', { cf: CF.dublin, init: post(body) });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { proxy: string; body: string };
    expect(echo.proxy).toBe('us');
    expect(echo.body).toBe(body);
  });

  it('the body model alone can route (coder-* → code-by-model)', async () => {
    const d = (await explain('/v4/acme/routed/v1/chat/completions', { init: post(chatBody('hello', 'coder-13b')) })) as RoutedDecision;
    expect(d.route).toMatchObject({ route: 'code-by-model', why: ['model coder-13b'] });
  });

  it('token mode routes by the route or model the client declares (the edge never sees the body)', async () => {
    const byRoute = await call('/token/v4/acme/routed/v1/chat/completions?sy_route=code', { cf: CF.dublin });
    expect(byRoute.status).toBe(200);
    expect(((await byRoute.json()) as TokenBody).url).toContain(new URL(fixtures.proxies.us).host);
    const d = (await explain('/v4/acme/routed/v1/chat/completions', { init: { headers: { 'x-switchyard-model': 'coder-1' } } })) as RoutedDecision;
    expect(d.route).toMatchObject({ route: 'code-by-model', prompt: 'absent' });
  });

  // The model is the client's: a 60 KB one must not make the decision record (in the isolate's
  // one buffer, shared by every tenant, and in the decisions table) 60 KB larger.
  it('a long declared model is recorded by its start and length, not its whole text', async () => {
    const model = `coder-${'x'.repeat(60_000)}`;
    const res = await call('/token/v4/acme/routed/v1/chat/completions', { cf: CF.dublin, init: { headers: { 'x-switchyard-model': model } } });
    expect(res.status).toBe(200);
    const row = await loggedDecision(res.headers.get('x-switchyard-decision-id') ?? '');
    expect(JSON.parse(row.explanationJson)).toMatchObject({ route: { route: 'code-by-model', why: [`model ${model.slice(0, 64)}… (60006 characters)`] } });
    expect(row.explanationJson.length + row.inputJson.length).toBeLessThan(60_000);
  });

  it('an unknown declared route is a 400 that lists the known ones', async () => {
    const res = await call('/v4/acme/routed/v1/chat/completions', { init: { headers: { 'x-switchyard-route': 'nope' } } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('unknown-route');
    expect(body.error.message).toContain('code-by-model, code, summarise, chat');
  });

  it('a route named for an app without routes is a 400, not served by the app as a whole', async () => {
    for (const init of [{ headers: { 'x-switchyard-route': 'code' } }, {}]) {
      const res = await call(`/v4/acme/chat/generate${'headers' in init ? '' : '?sy_route=code'}`, { init });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe('unknown-route');
      expect(body.error.message).toContain('known routes: none');
    }
  });

  // An empty name (an unset template variable in the client) names no route: matched as if absent.
  it('an empty declared route is no route named, not a 400', async () => {
    for (const [path, init] of [
      ['/v4/acme/chat/generate?sy_route=', {}],
      ['/v4/acme/chat/generate', { headers: { 'x-switchyard-route': '' } }],
      ['/v4/acme/routed/v1/chat/completions?sy_route=', {}],
    ] as const) {
      const res = await call(path, { init });
      expect(res.status, path).toBe(200);
      await res.text();
    }
  });

  it('an app without routes has no route in its decision', async () => {
    const res = await call('/explain/v4/acme/chat/generate', { init: { ...post(chatBody('write python code')), headers: { 'x-switchyard-operator-key': OPERATOR_KEY, 'content-type': 'application/json' } } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).not.toContain('"route"');
  });
});
