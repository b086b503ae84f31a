import { afterAll, describe, expect, it } from 'vitest';
import { call, control, fixtures } from './helpers.ts';

// Its own database, stopped below. Tiny caches so a modest flood would evict real entries if
// misses shared their LRU (issue 11 #3).
const env = { LIBSQL_URL: fixtures.libsqlUrls.misses, EDGE_MAX_APPS: '2', EDGE_MAX_KEYS: '2', EDGE_REFRESH_MS: '60000', EDGE_STALE_SNAPSHOT_MS: '600000' };

describe('a flood of unknown apps and random API keys', () => {
  afterAll(async () => {
    await control('/db/start', { name: 'misses' });
  });

  it('never evicts real apps or keys: with the database down afterwards, real traffic is still served', async () => {
    expect((await call('/token/v4/acme/flaky/generate', { env })).status).toBe(200);

    for (let i = 0; i < 20; i++) {
      expect((await call(`/token/v4/acme/no-such-app-${i}/generate`, { env })).status).toBe(404);
      expect((await call('/token/v4/acme/flaky/generate', { env, key: `sk_random_${i}_${Math.random()}` })).status).toBe(401);
    }

    await control('/db/stop', { name: 'misses' });
    for (let i = 0; i < 5; i++) {
      const res = await call('/token/v4/acme/flaky/generate', { env });
      expect(res.status, await res.clone().text()).toBe(200);
    }
  });
});
