import { describe, expect, it } from 'vitest';
import { countingEdge } from './counting-edge.ts';
import { fixtures } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

const code = async (res: Response): Promise<string> => ((await res.json()) as ErrorJson).error.code;

// P1: anyone on the internet could make an isolate read (and cache) any tenant's snapshot by
// naming its app with no key, a wrong key or another project's key: database load and evicted
// snapshots for real tenants. The key is checked first now; refusals read no snapshot at all.
describe('requests the edge refuses read no snapshot', () => {
  it('no key, a random key, a revoked key, another project\'s key: refused as before, zero snapshot reads', async () => {
    const e = await countingEdge();
    const cases: Array<[string, string | null, number, string]> = [
      ['/v4/acme/chat/generate', null, 401, 'missing-key'],
      ['/v4/acme/chat/generate', 'sk_not_a_real_key', 401, 'unknown-key'],
      ['/v4/acme/chat/generate', fixtures.keys.revoked, 403, 'revoked-key'],
      ['/v4/acme/chat/generate', fixtures.keys.other, 403, 'wrong-project'],
      ['/token/v4/acme/jobs/generate', null, 401, 'missing-key'],
      ['/v4/acme/creds/generate?sy_mode=redirect', null, 401, 'missing-key'],
    ];
    for (let round = 0; round < 5; round++) {
      for (const [path, key, status, want] of cases) {
        const res = await e.call(path, key);
        expect(res.status, path).toBe(status);
        expect(await code(res)).toBe(want);
      }
    }
    expect(e.reads.snapshot).toBe(0);
    expect(e.edge.snapshots.sizes).toEqual({ entries: 0, missing: 0 });
    // The project's own key then reads the snapshot once.
    expect((await e.call('/v4/acme/chat/generate', fixtures.keys.acme)).status).toBe(200);
    expect(e.reads.snapshot).toBe(1);
  });

  it('naming many apps without a key costs no database read per name (404 as before)', async () => {
    const e = await countingEdge();
    for (let i = 0; i < 50; i++) {
      const res = await e.call(`/v4/acme/no-such-app-${i}/generate`, null);
      expect(res.status).toBe(404);
      expect(await code(res)).toBe('unknown-app');
    }
    expect(e.reads.snapshot).toBe(0);
    expect(e.reads.gates).toBe(1);
    expect(e.edge.snapshots.sizes).toEqual({ entries: 0, missing: 0 });
  });

  it('keyless apps, preflights and CORS on refusals still work without a snapshot read first', async () => {
    const e = await countingEdge();
    const preflight = await e.call('/v4/acme/chat/generate', null, { origin: 'https://app.test', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    const denied = await e.call('/v4/acme/chat/generate', null, { origin: 'https://app.test' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(e.reads.snapshot).toBe(0);
    expect((await e.call('/v4/acme/open/generate', null)).status).toBe(200);
    expect(e.reads.snapshot).toBe(1);
  });
});
