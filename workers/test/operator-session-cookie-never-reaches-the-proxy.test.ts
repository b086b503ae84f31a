/**
 * The dashboard's session cookie (`switchyard_session`) is an operator's credential. Cookies
 * ignore ports, so with the dashboard on the edge's host (as `switchyard dev` runs everything on
 * 127.0.0.1) an operator's browser sends it with every request to every app there: an app that
 * forwards its clients' cookies (`requests.forwardAuthorization`) handed it to its proxy and
 * replica, whoever's app that was. It stops at the edge; the app's own cookies pass byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';

interface Echo {
  readonly headers: Record<string, string>;
}

describe("the operator's dashboard session cookie", () => {
  it.each([
    ['among the app’s own cookies', 'session=abc; switchyard_session=operator-sid; theme=dark', 'session=abc; theme=dark'],
    ['first', 'switchyard_session=operator-sid; session=abc', 'session=abc'],
    ['alone', 'switchyard_session=operator-sid', undefined],
    ['absent', 'session=abc;theme=dark', 'session=abc;theme=dark'],
  ])('%s: never reaches the proxy of an app forwarding cookies', async (_where, cookie, forwarded) => {
    const res = await call('/v4/acme/creds/v1/echo', { init: { headers: { cookie } } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).headers['cookie']).toBe(forwarded);
  });
});
