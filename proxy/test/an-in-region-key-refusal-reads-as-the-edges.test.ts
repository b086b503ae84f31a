/**
 * A caller's key mistake gets the same code and status from a proxy called in-region as from the
 * edge (shared/http/caller-key-refusal.ts, which workers/src/errors.ts renders), so a client branches on the code alone. The proxy
 * answered `key-missing`, `key-unknown` ("unknown key", no next step) and a revoked key 401,
 * where the edge says `missing-key`, `unknown-key` and 403 `revoked-key`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../control/config/api-key-hash.ts';
import { upsertApiKey } from '../../control/store/upsert-api-key.ts';
import { callerKeyRefusal } from '../../shared/http/caller-key-refusal.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';
import { startReplica } from './harness.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';

const REVOKED = 'sk-acme-revoked-in-region-0123456789';
const STRANGER = 'sk-acme-never-created-key-0123456789';

let sim: SimCluster;
let f: InRegionFixture;
beforeAll(async () => {
  sim = await startReplica('c1', 'r0');
  f = await startInRegionFixture(sim.url);
  await upsertApiKey(f.client, { id: 'k-revoked', projectId: 'acme', hash: hashApiKey(REVOKED), revoked: true }, Date.now());
});
afterAll(async () => {
  await f.close();
  await sim.close();
});

describe('in-region key refusals', () => {
  it.each([
    ['no key', () => Promise.resolve(null), callerKeyRefusal.missing()],
    ['a key no config could hold', () => Promise.resolve('not-a-key'), callerKeyRefusal.unknown()],
    ['a well-formed key nobody created', () => Promise.resolve(STRANGER), callerKeyRefusal.unknown()],
    ['a revoked API key', () => Promise.resolve(REVOKED), callerKeyRefusal.revoked()],
  ])('%s: the edge\'s code and status', async (_name, keyOf, edge) => {
    const key = await keyOf();
    const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: '{}',
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({ status: edge.status, code: edge.code });
    if (edge.code === 'unknown-key') expect(body.error.message).toBe(edge.message); // says how to fix it
  });

  it('"Bearer <key> extra": the edge\'s message for a malformed header, not "send a key"', async () => {
    const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${STRANGER} extra` }, body: '{}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: unknown }).error).toEqual({ code: 'missing-key', message: callerKeyRefusal.malformedAuthorization().message });
  });

  it('a service key of another app: 403 wrong-app, naming the app it opens', async () => {
    const other = await f.serviceKey('acme/open');
    const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` }, body: '{}' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'wrong-app', message: expect.stringContaining('acme/open') });
  });
});
