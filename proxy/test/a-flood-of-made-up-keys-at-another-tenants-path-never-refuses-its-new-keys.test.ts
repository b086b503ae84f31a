/**
 * An in-region key the proxy has not cached is looked up in libSQL within a bounded number of
 * first loads, fair between the projects they are read for (refreshing-cache.ts FirstLoadSlots).
 * The project of an unknown key is the one named in the path, which anyone can name: one address
 * sending made-up keys to another tenant's app path held that tenant's part of the loads and its
 * whole waiting line, and the tenant's own new keys (any key after a proxy restart) got 503
 * `in-region-busy` (session 45, live: 4 of 4 while one address flooded). First loads are now fair
 * between clients within a project too, and a freed slot goes to the waiting client holding
 * fewest, so the tenant's own caller gets its key looked up while the flood goes on.
 *
 * Real parts: libSQL through a relay that is slow (not stopped) for key lookups, the proxy's real
 * store client, clients on real sockets from distinct loopback addresses.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { API_KEY } from './in-region-fixture.ts';
import { useSlowLibsqlProxy, within, type Answer } from './slow-libsql-proxy-fixture.ts';

// Each key lookup takes 150 ms: the flood keeps the project's part of the first loads busy.
const f = useSlowLibsqlProxy((body) => body.includes('FROM api_keys WHERE hash') || body.includes('FROM service_keys WHERE hash'), {}, 150);

const PATH = '/v4/acme/chat/v1/chat/completions';

it("a flood of made-up keys at a tenant's app path never refuses that tenant's own new key", async () => {
  let flooding = true;
  const answers: Answer[] = [];
  // One address, 100 requests in flight at once, all naming acme's app.
  const flood = Array.from({ length: 100 }, async () => {
    while (flooding) {
      answers.push(await f.send('127.0.0.2', PATH, { method: 'POST', body: '{}', headers: { authorization: `Bearer sk-${randomBytes(16).toString('hex')}` } }));
    }
  });
  await expect.poll(() => answers.filter((a) => a.code === 'in-region-busy').length, { timeout: 5_000 }).toBeGreaterThan(50);

  // acme's own caller, from its own address, with its real key (not cached yet): looked up and admitted.
  const own = await within(f.send('127.0.0.3', PATH, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${API_KEY}` } }), 5_000, "the tenant's own request");
  flooding = false;
  await Promise.all(flood);
  expect(own.code).not.toBe('in-region-busy');
  expect(own.status).toBe(200);
}, 30_000);
