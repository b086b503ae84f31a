/**
 * Mints the routing token for one cluster of a decision: the audience is that cluster's regional
 * proxy, the remaining clusters are its fallbacks. Short-lived (EDGE_TOKEN_TTL_SECONDS).
 */
import type { Decision } from '../../shared/decision/types.ts';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import type { EdgeConfig } from './shared-deps.ts';
import { signRoutingToken } from './shared-deps.ts';

export async function mintToken(a: {
  readonly config: EdgeConfig;
  readonly snapshot: AppSnapshot;
  readonly decision: Decision;
  readonly fn: string;
  /** The cluster the token is for, then its fallbacks in rank order. */
  readonly clusterIds: readonly string[];
  readonly now: number;
  /** The edge span the proxy continues (routing token `tp` claim); absent when tracing is off. */
  readonly traceparent?: string;
  /** The app route the decision matched (routing token `rt` claim). */
  readonly route?: string | null;
}): Promise<{ token: string; expiresAt: number }> {
  const [cluster, ...fallbacks] = a.clusterIds;
  const facts = cluster === undefined ? undefined : a.snapshot.clusters.get(cluster);
  if (cluster === undefined || facts === undefined) throw new Error('mintToken: no cluster to mint for');
  const token = await signRoutingToken(
    {
      aud: facts.proxyId,
      app: a.decision.appId,
      fn: a.fn,
      cluster,
      fallbacks,
      did: a.decision.id,
      ...(a.traceparent === undefined ? {} : { tp: a.traceparent }),
      // The matched route: the proxy enforces its limits (shared/routes/route-limits.ts).
      ...(a.route === undefined || a.route === null ? {} : { rt: a.route }),
    },
    a.config.signingKey,
    { now: a.now, ttlSeconds: a.config.tokenTtlSeconds, issuer: a.config.tokenIssuer },
  );
  // Same arithmetic as the signer's `exp`, in ms.
  return { token, expiresAt: (Math.floor(a.now / 1000) + a.config.tokenTtlSeconds) * 1000 };
}
