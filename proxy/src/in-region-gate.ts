/**
 * The front gate with the in-region path: a request carrying a routing token goes through the
 * edge's token gate as before; one without a token is an in-region call — authorised with a
 * project API key or a service key (in-region-auth.ts), decided here among the clusters of the
 * proxy's region (in-region-decide.ts), and admitted with claims of issuer `in-region`, so
 * everything after the gate (rules, limits, forwarding, outcomes) is the normal path.
 */
import { hashAffinityKey } from '../../shared/domain/affinity-key.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { Policy, StrategyState } from '../../shared/decision/types.ts';
import { ProxyError } from './errors.ts';
import { CacheBusy } from './refreshing-cache.ts';
import { authorizeInRegion } from './in-region-auth.ts';
import { clientAddressKey } from './client-address-key.ts';
import { decideInRegion } from './in-region-decide.ts';
import type { InRegionDecisionLog } from './in-region-decision-log.ts';
import type { InRegionSource } from './in-region-source.ts';
import { jobKeyOf } from './job-pins.ts';
import type { RequestTarget } from './request-target.ts';
import type { GateResult, TokenGate } from './token-gate.ts';
import { clientAddress, NO_TRUSTED_PROXIES, type TrustedProxies } from './trusted-proxies.ts';

/** `iss` of claims the proxy made itself for an in-region call: its credentials are never forwarded. */
export const IN_REGION_ISSUER = 'in-region';

export interface InRegionGateOptions {
  readonly proxyId: string;
  readonly region: string;
  readonly policy: Policy;
  /** A snapshot older than this is decided on as stale (the database is not answering). */
  readonly staleMs: number;
  readonly source: InRegionSource;
  /** Null: decisions are not recorded. */
  readonly log: InRegionDecisionLog | null;
  /** A read failed (or a bug threw) while deciding for `appId`: the cause, for the operator's log. */
  readonly failed: (err: unknown, appId: string) => void;
  /** Peers believed about X-Forwarded-For (PROXY_TRUSTED_PROXIES); none: the socket's address. */
  readonly trustedProxies?: TrustedProxies;
}

function hasToken(headers: IncomingHttpHeaders, target: RequestTarget): boolean {
  const h = headers['x-switchyard-token'];
  return (h !== undefined && h !== '') || target.queryToken !== null;
}

/**
 * The caller's 503. Never the foreign error's text (libSQL's names the database's host, its answer
 * or a file; a bug's names our code), which goes to the log (`failed`) instead.
 */
const unavailable = (err: unknown): ProxyError =>
  err instanceof CacheBusy
    ? new ProxyError('in-region-busy', 503, 'too many unknown apps or keys are being looked up at once; retry shortly', false, 1)
    : new ProxyError('store-unavailable', 503, 'the in-region path cannot read its state (the database did not answer); retry shortly, or call through the edge', false, 1);

export function inRegionGate(tokens: TokenGate, o: InRegionGateOptions): TokenGate {
  const strategies = new Map<string, StrategyState>();
  const strategyOf = (appId: string): StrategyState => {
    let s = strategies.get(appId);
    if (s === undefined) {
      s = { roundRobinCursor: 0, outstanding: new Map() };
      strategies.set(appId, s);
    }
    return s;
  };
  const check = async (headers: IncomingHttpHeaders, target: RequestTarget, now: number, method: string, remote: string | undefined): Promise<GateResult> => {
    const snapshot = await o.source.snapshot(target.appId);
    if (snapshot === null) return { ok: false, error: new ProxyError('unknown-app', 404, `no app ${target.appId}`) };
    // The project in the path is anyone's to name: an uncached key's lookup also counts against its sender.
    const client = clientAddressKey(clientAddress(o.trustedProxies ?? NO_TRUSTED_PROXIES, remote, headers['x-forwarded-for']));
    const caller = await authorizeInRegion(headers, snapshot.app, o.source, client);
    if (caller instanceof ProxyError) return { ok: false, error: caller };
    const job = jobKeyOf(headers, target.appId, snapshot.app.requests.jobKeyHeader);
    if (!job.ok) return job;
    const affinity = snapshot.app.affinityHeader === null ? undefined : headers[snapshot.app.affinityHeader.toLowerCase()];
    // Decided on and recorded as its hash, as at the edge (shared/domain/affinity-key.ts).
    const affinityRaw = (Array.isArray(affinity) ? affinity[0] : affinity) ?? null;
    const decided = decideInRegion({
      snapshot,
      region: o.region,
      proxyId: o.proxyId,
      fn: target.fn,
      method,
      affinityKey: affinityRaw === null ? null : await hashAffinityKey(affinityRaw),
      jobKeyHash: job.hash,
      policy: o.policy,
      now,
      stale: now - snapshot.loadedAt > o.staleMs,
      strategyState: strategyOf(target.appId),
    });
    if (decided instanceof ProxyError) return { ok: false, error: decided };
    o.log?.record(decided);
    const d = decided.decision;
    if (d.chosen === null) {
      // As the edge's: no cluster, provider or cause for the client; the record holds why (explain by id).
      return { ok: false, error: new ProxyError('no-candidate', 503, `No cluster in ${o.region} may serve this request right now. Retry shortly; operators can explain the decision by its id ${d.id} (the decision log).`, false, 1) };
    }
    const iat = Math.floor(now / 1000);
    const claims = { iss: IN_REGION_ISSUER, aud: o.proxyId, app: target.appId, fn: target.fn, cluster: d.chosen, fallbacks: d.fallbacks, did: d.id, iat, exp: iat + 60 };
    return { ok: true, claims };
  };
  return {
    async check(headers, target, now, method = 'GET', remote, connection) {
      if (hasToken(headers, target)) return tokens.check(headers, target, now, method, remote, connection);
      try {
        return await check(headers, target, now, method, remote);
      } catch (err) {
        if (!(err instanceof CacheBusy)) o.failed(err, target.appId);
        return { ok: false, error: unavailable(err) };
      }
    },
  };
}
