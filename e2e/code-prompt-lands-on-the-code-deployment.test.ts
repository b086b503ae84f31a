/**
 * Routes inside an app, through the real stack (issue 17): `acme/chat` gets the routes of
 * examples/routes.yaml (code → us-east-1, summarise → eu-west-1, anything else → every cluster),
 * written to libSQL the way `apply` writes them. From Frankfurt, a code prompt is served in
 * us-east-1 (not the nearby EU clusters), the proxy receives the body unchanged, and the
 * decision log records the route and the classifier's scores.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../control/config/parse-config.ts';
import { NOT_READ_YET } from '../control/config/stored-rows.ts';
import { readCurrentConfig } from '../control/config/read-current-config.ts';
import { upsertApp } from '../control/store/index.ts';
import { resolveRoutes } from '../shared/routes/resolve-routes.ts';
import { CLIENTS, devLocation, sleep, useStack, waitForDecision } from './stack.ts';

const h = useStack(24_400);

function routes(): NonNullable<ReturnType<typeof resolveRoutes> & { ok: true }>['routes'] {
  const parsed = parseConfig(readFileSync(new URL('../examples/routes.yaml', import.meta.url), 'utf8'), 'routes.yaml', NOT_READ_YET);
  const intents = parsed.valid ? parsed.config.apps[0]?.routes?.intents : undefined;
  const r = resolveRoutes(
    [
      { name: 'code', when: { intent: 'code', minScore: 0.5 }, target: { model: 'demo-llm', version: 'v2' }, clusters: ['us-east-1'] },
      { name: 'summarise', when: { intent: 'summarise' }, target: { model: 'demo-llm' }, clusters: ['eu-west-1'] },
      { name: 'chat', target: { model: 'demo-llm' } },
    ],
    intents,
    ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'],
  );
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.routes;
}

async function send(content: string): Promise<Response> {
  const body = JSON.stringify({ model: 'demo-llm', max_tokens: 2, messages: [{ role: 'user', content }] });
  return fetch(`${h.stack().edgeUrl}/v4/acme/chat/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.stack().apiKey}`, 'content-type': 'application/json', ...devLocation(CLIENTS.frankfurt) },
    body,
  });
}

describe('a code prompt lands on the code deployment', () => {
  it('routes by intent through edge, proxy and simulated cluster, and logs why', async () => {
    const current = await readCurrentConfig(h.db() as never);
    const chat = current.apps.find((a) => a.id === 'acme/chat');
    if (chat === undefined) throw new Error('the demo config has acme/chat');
    await upsertApp(h.db() as never, { ...chat, routes: routes() }, Date.now());

    // The edge picks the routes up on its next snapshot refresh: wait for it, do not sleep-and-assert.
    const deadline = Date.now() + 20_000;
    let res = await send('write a python function that reverses a linked list and fix the compile error');
    while (res.headers.get('x-sim-cluster') !== 'us-east-1' && Date.now() < deadline) {
      await res.text();
      await sleep(200);
      res = await send('write a python function that reverses a linked list and fix the compile error');
    }
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get('x-sim-cluster')).toBe('us-east-1');

    // Every further code prompt too; a summary goes to eu-west-1.
    for (const prompt of ['implement quicksort in typescript with unit tests', 'why does my rust code fail to compile']) {
      const r = await send(prompt);
      expect(r.status).toBe(200);
      await r.text();
      expect(r.headers.get('x-sim-cluster'), prompt).toBe('us-east-1');
    }
    const sum = await send('summarise this article in three bullet points: the council met on tuesday');
    expect(sum.status).toBe(200);
    await sum.text();
    expect(sum.headers.get('x-sim-cluster')).toBe('eu-west-1');

    const row = await waitForDecision(h.db(), res.headers.get('x-switchyard-decision-id') ?? '');
    const exp = JSON.parse(String(row['explanation_json'])) as { chosen: string; route?: { route: string; why: string[]; scores: Record<string, number> } };
    expect(exp.chosen).toBe('us-east-1');
    expect(exp.route?.route).toBe('code');
    expect(exp.route?.why[0]).toMatch(/^intent code /);
    expect(Object.keys(exp.route?.scores ?? {}).sort()).toEqual(['chat', 'code', 'summarise']);
    // The recorded input (for replay) holds the route's clusters, not the 90 intent examples.
    expect(String(row['input_json'])).not.toContain('implement a binary search tree');
  });
});
