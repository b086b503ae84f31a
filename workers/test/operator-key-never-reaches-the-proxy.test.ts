/**
 * L3 (edge part): `x-switchyard-operator-key` is our credential, not the app's. Sent on a normal
 * (non-explain) request it must stop at the edge — even for an app that forwards its clients'
 * credentials (`requests.forwardAuthorization`).
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_KEY, call } from './helpers.ts';

interface Echo {
  readonly headers: Record<string, string>;
}

describe('the operator key', () => {
  it.each(['chat', 'creds'])('never reaches the proxy of acme/%s', async (app) => {
    const res = await call(`/v4/acme/${app}/v1/echo`, { init: { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } } });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.headers['x-switchyard-token']).toBeDefined();
    expect(echo.headers['x-switchyard-operator-key']).toBeUndefined();
  });
});
