import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

describe('paths the edge refuses', () => {
  it.each([
    ['/v4/acme', 400, 'bad-path'],
    ['/v4/acme/chat', 400, 'bad-path'],
    ['/v4/acme/chat/a//b', 400, 'bad-path'],
    ['/token/v4/acme', 400, 'bad-path'],
    ['/favicon.ico', 404, 'not-found'],
    ['/v4/acme/no-such-app/generate', 404, 'unknown-app'],
    ['/v4/ghost/chat/generate', 404, 'unknown-app'],
  ])('%s → %i %s', async (path, status, code) => {
    const res = await call(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it('answers /health', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('refuses a WebSocket upgrade on the forwarding route with 426 pointing at the token route', async () => {
    const res = await call('/v4/acme/chat/ws', { init: { headers: { upgrade: 'websocket', connection: 'Upgrade' } } });
    expect(res.status).toBe(426);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('upgrade-needs-token');
    expect(body.error.message).toContain('/token/v4/acme/chat/ws');
  });

  it('refuses an unknown answer mode', async () => {
    const res = await call('/v4/acme/chat/x?sy_mode=carrier-pigeon');
    expect(res.status).toBe(400);
  });
});
