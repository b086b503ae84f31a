import { describe, expect, it } from 'vitest';
import { call, sleep } from './helpers.ts';

const env = { EDGE_REFRESH_MS: '50', EDGE_STALE_SNAPSHOT_MS: '300' };

// Issue 12 #6: after an idle spell longer than EDGE_STALE_SNAPSHOT_MS the cached snapshot is old;
// with the database reachable, the first request must not be decided on it.
describe('the first request after an idle spell', () => {
  it('is decided on a fresh snapshot when the database is reachable', async () => {
    // The default wait (250 ms) is what production wants; a loaded CI machine can take longer to
    // read the snapshot, so this case waits long enough that only a missing refresh can fail it.
    const e = { ...env, EDGE_STALE_REFRESH_WAIT_MS: '20000' };
    const warm = await call('/token/v4/acme/chat/generate', { env: e });
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-switchyard-stale')).toBeNull();
    await sleep(500);
    const first = await call('/token/v4/acme/chat/generate', { env: e });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-switchyard-stale')).toBeNull();
  });

  it('with EDGE_STALE_REFRESH_WAIT_MS=0 is decided at once on the old snapshot (marked stale)', async () => {
    const e = { ...env, EDGE_STALE_REFRESH_WAIT_MS: '0' };
    expect((await call('/token/v4/acme/chat/generate', { env: e })).status).toBe(200);
    await sleep(500);
    const first = await call('/token/v4/acme/chat/generate', { env: e });
    expect(first.headers.get('x-switchyard-stale')).toBe('1');
  });
});
