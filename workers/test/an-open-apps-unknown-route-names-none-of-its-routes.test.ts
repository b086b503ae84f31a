/**
 * Tenant isolation at the edge: an app's route names are its config. `unknown-route` listed them
 * all ("known routes: code-by-model, code, …") to any caller, and an open app (`auth: false`)
 * lets anyone call, another tenant or no key at all, so anyone could read its routes by naming one
 * that does not exist. Only a caller whose key is the app's gets the list now; on an open app the
 * refusal names only the route asked for, and the list goes to the Worker's log (as an unknown
 * function's declared functions do).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, fixtures, mainDb, type ErrorJson } from './helpers.ts';

const db = mainDb();
let before: unknown = null;
const ROUTE_NAMES = ['code-by-model', 'summarise'];

beforeAll(async () => {
  // acme/open (keyless) gets acme/routed's routes, on its one cluster.
  const routed = await db.execute({ sql: 'SELECT routes_json FROM apps WHERE id = ?', args: ['acme/routed'] });
  const open = await db.execute({ sql: 'SELECT routes_json FROM apps WHERE id = ?', args: ['acme/open'] });
  before = open.rows[0]?.['routes_json'] ?? null;
  const routes = JSON.parse(String(routed.rows[0]?.['routes_json'])) as { routes: Array<{ clusters?: string[] }> };
  for (const r of routes.routes) if (r.clusters !== undefined) r.clusters = ['eu-west'];
  await db.execute({ sql: 'UPDATE apps SET routes_json = ?, updated_at = ? WHERE id = ?', args: [JSON.stringify(routes), Date.now(), 'acme/open'] });
});
afterAll(async () => {
  await db.execute({ sql: 'UPDATE apps SET routes_json = ?, updated_at = ? WHERE id = ?', args: [before as string | null, Date.now(), 'acme/open'] });
  db.close();
});

it.each([
  { who: 'a caller with no key', key: null },
  { who: "another tenant's key", key: fixtures.keys.other },
])("an open app's unknown route names none of its routes to $who", async ({ key }) => {
  for (const path of ['/token/v4/acme/open/v1/chat/completions', '/v4/acme/open/v1/chat/completions?sy_route=nope']) {
    const res = await call(path, { key, init: path.includes('sy_route') ? {} : { headers: { 'x-switchyard-route': 'nope' } } });
    const body = (await res.json()) as ErrorJson;
    expect(res.status).toBe(400);
    expect(body.error.code).toBe('unknown-route');
    expect(body.error.message).toContain('"nope"');
    for (const name of ROUTE_NAMES) expect(body.error.message).not.toContain(name);
  }
});

it("the app's own tenant still gets the list (its key proves it is the app's)", async () => {
  const res = await call('/token/v4/acme/routed/v1/chat/completions', { key: fixtures.keys.acme, init: { headers: { 'x-switchyard-route': 'nope' } } });
  const body = (await res.json()) as ErrorJson;
  expect(res.status).toBe(400);
  expect(body.error.message).toContain('code-by-model, code, summarise, chat');
});
