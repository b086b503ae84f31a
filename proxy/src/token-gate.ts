/**
 * The token gate: finds the routing token (`x-switchyard-token` header or the
 * `sy_token` query parameter) and verifies it for this proxy (audience), the
 * requested app and function, and time. Refusals carry the token error's code
 * and status; nothing upstream is contacted before this passes.
 *
 * With auth explicitly disabled the gate synthesises claims: the cluster named
 * in `x-switchyard-cluster`, else every cluster serving the app (bench/dev only).
 */
import { flattenString } from './flat-string.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RoutingClaims, VerifyResult } from '../../shared/tokens/types.ts';
import { ProxyError } from './errors.ts';
import type { RequestTarget } from './request-target.ts';

/** A token's verdict, or a refusal decided without checking it (a throttled client: verifier.ts). */
export type GateVerifyResult = VerifyResult | { readonly ok: false; readonly error: ProxyError };

/**
 * A result without a promise when it needs no I/O (a token verified before: verified-tokens.ts).
 * `remote` / `forwardedFor`: who sent it, read only when the token must be checked in full.
 */
export type VerifyFn = (
  token: string,
  opts: {
    now: number;
    audience: string;
    app: string;
    fn: string;
    remote?: string | undefined;
    forwardedFor?: string | string[] | undefined;
    /** The connection it came on (an HTTP/1.1 socket, an HTTP/2 session): see token-failure-keys.ts. */
    connection?: object | undefined;
  },
) => GateVerifyResult | Promise<GateVerifyResult>;

export type GateResult =
  | { readonly ok: true; readonly claims: RoutingClaims }
  | { readonly ok: false; readonly error: ProxyError };

export interface TokenGate {
  /**
   * `method`: the request's method (the in-region gate's decision uses it). A plain result when
   * nothing had to be awaited (auth disabled, a token verified before): admission then costs no
   * promise and no microtask turn per request. `remote`: the socket's address (with the headers'
   * X-Forwarded-For, the client's key for the failed-verification bound: verifier.ts); `connection`
   * the socket or HTTP/2 session it came on (a connection that verified a token has its own bound).
   */
  check(headers: IncomingHttpHeaders, target: RequestTarget, now: number, method?: string, remote?: string, connection?: object): GateResult | Promise<GateResult>;
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s;
}

export function verifyingGate(audience: string, verify: VerifyFn): TokenGate {
  return {
    check(headers, target, now, _method, remote, connection) {
      const token = header(headers, 'x-switchyard-token') ?? target.queryToken;
      if (token === null) {
        return {
          ok: false,
          error: new ProxyError(
            'token-missing',
            401,
            'no routing token: send the token from the edge in x-switchyard-token or the sy_token query parameter',
          ),
        };
      }
      const r = verify(token, { now, audience, app: target.appId, fn: target.fn, remote, forwardedFor: headers['x-forwarded-for'], connection });
      return r instanceof Promise ? r.then(gateResult) : gateResult(r);
    },
  };
}

function gateResult(r: GateVerifyResult): GateResult {
  if (r.ok) return { ok: true, claims: r.claims };
  if (r.error instanceof ProxyError) return { ok: false, error: r.error };
  return {
    ok: false,
    error: new ProxyError(`token-${r.error.code}`, r.error.status, r.error.message),
  };
}

export function openGate(proxyId: string, clustersFor: (appId: string) => readonly string[]): TokenGate {
  return {
    check(headers, target, now) {
      const named = header(headers, 'x-switchyard-cluster');
      const clusters = named === null ? clustersFor(target.appId) : [named];
      const [cluster, ...fallbacks] = clusters;
      if (cluster === undefined) {
        return {
          ok: false,
          error: new ProxyError(
            'no-endpoints',
            503,
            `no cluster serves ${target.appId} on this proxy`,
            true,
          ),
        };
      }
      const iat = Math.floor(now / 1000);
      return {
        ok: true,
        claims: {
          iss: 'auth-disabled',
          aud: proxyId,
          app: target.appId,
          fn: target.fn,
          cluster,
          fallbacks,
          // randomUUID() returns a ~28-node string tree (~0.8 KB) the claims keep for a stream's life.
          did: flattenString(randomUUID()),
          iat,
          exp: iat + 60,
        },
      };
    },
  };
}
