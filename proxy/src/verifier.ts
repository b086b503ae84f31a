/**
 * Builds the gate's verify function from a JWKS document with shared/tokens
 * (the same code the Worker's tests exercise): audience = proxy id, app and fn
 * must match, expiry with the shared clock skew. Never throws for a bad token.
 * A token verified once is remembered until it expires (verified-tokens.ts).
 *
 * Order: remembered tokens first, then the per-client failure bound, then the full check. So a
 * client over its failure budget still has every token it holds verified answered (cheaply, no
 * signature check), and only its unknown tokens are refused 429 until its bucket refills.
 */
import { DEFAULT_ISSUER, verifyRoutingToken } from '../../shared/tokens/index.ts';
import { clientAddressKey } from './client-address-key.ts';
import { parseJwks, type JwksText } from './load-jwks.ts';
import { ProxyError } from './errors.ts';
import { CHECK_WAITERS_PER_CLIENT, TokenCheckSlots } from './token-check-slots.ts';
import { TokenFailureKeys } from './token-failure-keys.ts';
import { TokenFailureThrottle, type FailureBudget, type Refusal } from './token-failure-throttle.ts';
import type { GateVerifyResult, VerifyFn } from './token-gate.ts';
import { clientAddress, NO_TRUSTED_PROXIES, type TrustedProxies } from './trusted-proxies.ts';
import { rememberVerified } from './verified-tokens.ts';

export interface VerifierOptions {
  /** The edge's EDGE_TOKEN_ISSUER; tokens with another `iss` are refused. */
  readonly issuer?: string;
  /** Failed full checks a client may cause (PROXY_TOKEN_FAILURE_BUDGET); null: no bound. */
  readonly failureBudget?: FailureBudget | null;
  /** Who the client is behind a balancer (PROXY_TRUSTED_PROXIES), as for the job routes. */
  readonly trustedProxies?: TrustedProxies;
  /** Each signature check's outcome (the metric): the bound's effect is observable as fewer of these. */
  readonly onFullCheck?: (result: 'ok' | 'failed') => void;
}

export async function jwksVerifier(jwks: JwksText, o: VerifierOptions = {}): Promise<VerifyFn> {
  const keys = await parseJwks(jwks);
  const issuer = o.issuer ?? DEFAULT_ISSUER;
  const full: VerifyFn = async (token, opts) => {
    const r = await verifyRoutingToken(token, keys, { now: opts.now, audience: opts.audience, app: opts.app, fn: opts.fn, issuer });
    // A refusal from the unverified claims (expired, another proxy's, …) checked no signature.
    if (r.ok || r.error.code === 'bad-signature') o.onFullCheck?.(r.ok ? 'ok' : 'failed');
    return r;
  };
  const budget = o.failureBudget === undefined ? null : o.failureBudget;
  const bounded = budget === null ? full : throttleFailures(full, new TokenFailureThrottle(budget), o.trustedProxies ?? NO_TRUSTED_PROXIES);
  return rememberVerified(bounded, issuer);
}

/**
 * `verify`, refused without being run for a client whose failures have used its budget. A client's
 * checks run a few at a time (token-check-slots.ts) and each waiting one asks the budget again when
 * its turn comes, so a burst of forgeries sent together is refused once the budget is used instead
 * of being checked whole. Only the client is charged: nothing here touches a replica, cluster or
 * another client's bucket or slots.
 */
export function throttleFailures(
  verify: VerifyFn,
  throttle: TokenFailureThrottle,
  trusted: TrustedProxies,
  slots = new TokenCheckSlots(),
  keys = new TokenFailureKeys(),
): VerifyFn {
  return (token, opts) => {
    const address = clientAddress(trusted, opts.remote, opts.forwardedFor);
    // A connection that has verified a token is its own client (token-failure-keys.ts).
    const client = keys.key(clientAddressKey(address), opts.connection, address === opts.remote);
    const refused = (): GateVerifyResult | null => {
      const r = throttle.refusal(client, opts.now);
      return r === null ? null : { ok: false, error: throttledError(throttle, r) };
    };
    // Only a signature that does not verify is charged: that is what a forgery costs. Expired and
    // misrouted tokens are refused before any signature check (shared/tokens/verify.ts) and are
    // what many honest clients behind one address send when their tokens age out.
    const note = (r: GateVerifyResult): GateVerifyResult => {
      slots.release(client);
      if (r.ok) keys.verified(opts.connection);
      else if (r.error.code === 'bad-signature') throttle.failed(client, opts.now);
      return r;
    };
    const run = (): GateVerifyResult | Promise<GateVerifyResult> => {
      let r: GateVerifyResult | Promise<GateVerifyResult>;
      try {
        r = verify(token, opts);
      } catch (err) {
        slots.release(client);
        throw err;
      }
      return r instanceof Promise ? r.then(note, (err: unknown) => (slots.release(client), Promise.reject(err))) : note(r);
    };
    const early = refused();
    if (early !== null) return early;
    const slot = slots.take(client);
    if (slot === 'now') return run();
    if (slot === 'full') return { ok: false, error: busyError() };
    return slot.then(() => {
      // Checks that ran while this one waited may have used the budget.
      const late = refused();
      if (late === null) return run();
      slots.release(client);
      return late;
    });
  };
}

/**
 * Both throttle refusals come before any upstream contact, and the client the budget counts may be
 * the edge's address shared with a forger: `not-started` lets the edge send even a POST to its next
 * fallback's proxy (its own budget) instead of handing another tenant the 429.
 */
const NOT_STARTED = true;

function busyError(): ProxyError {
  return new ProxyError(
    'token-checks-throttled',
    429,
    `too many routing tokens from this client are waiting to be checked (over ${CHECK_WAITERS_PER_CLIENT}); retry after 1s (tokens already verified keep working)`,
    true,
    1,
    NOT_STARTED,
  );
}

function throttledError(throttle: TokenFailureThrottle, { waitS, scope }: Refusal): ProxyError {
  const { failures, windowMs } = throttle.budget;
  const why =
    scope === 'client'
      ? `too many routing tokens from this client failed verification (over ${failures} per ${windowMs / 1000}s)`
      : `routing tokens from many clients are failing verification (over ${throttle.total} per ${windowMs / 1000}s in all), this client's among them`;
  return new ProxyError(
    'token-failures-throttled',
    429,
    `${why}; new tokens are not checked for ${waitS}s: fetch a fresh token from the edge and retry after ${waitS}s (tokens already verified keep working)`,
    true,
    waitS,
    NOT_STARTED,
  );
}
