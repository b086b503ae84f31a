import { afterAll, describe, expect, it } from 'vitest';
import { call, control, eventually, explain, fixtures, sleep } from './helpers.ts';
import type { ErrorJson, TokenBody } from './helpers.ts';

// Its own database (the "flaky" one) so stopping it does not disturb other scenarios.
const env = { LIBSQL_URL: fixtures.flakyLibsqlUrl, EDGE_REFRESH_MS: '50', EDGE_STALE_SNAPSHOT_MS: '300' };

describe('control-plane database down', () => {
  afterAll(async () => {
    await control('/db/start', {});
  });

  it('keeps deciding from the last snapshot, marks decisions stale, and 503s apps it never saw', async () => {
    const warm = await call('/token/v4/acme/flaky/generate', { env });
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-switchyard-stale')).toBeNull();

    await control('/db/stop', {});
    await sleep(400);

    const res = await eventually(async () => {
      const r = await call('/token/v4/acme/flaky/generate', { env });
      return r.headers.get('x-switchyard-stale') === '1' ? r : undefined;
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    expect(body.url.startsWith(fixtures.proxies.eu)).toBe(true);
    const explained = await explain('/v4/acme/flaky/generate', { env });
    expect(explained.stale).toBe(true);
    expect(explained.chosen).toBe('eu-west');

    // Nothing cached for this app: a clear 503, not a hang or a 500.
    const cold = await call('/token/v4/acme/chat/generate', { env });
    expect(cold.status).toBe(503);
    const err = (await cold.json()) as ErrorJson;
    expect(err.error.code).toBe('no-snapshot');
    expect(err.error.message).toContain('acme/chat');

    await control('/db/start', {});
    const fresh = await eventually(async () => {
      const d = await explain('/v4/acme/flaky/generate', { env });
      return d.stale ? undefined : d;
    });
    expect(fresh.chosen).toBe('eu-west');
  });
});
