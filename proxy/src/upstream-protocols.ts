/**
 * Which HTTP version the proxy speaks to each cluster's replicas (`upstreamProtocols`,
 * `PROXY_UPSTREAM_PROTOCOLS`): `cluster=protocol` entries, comma-separated, `*` for every
 * cluster not named. Pure: parsed once at startup, read per attempt.
 *   http1  HTTP/1.1, one connection per in-flight request (the default, what every engine speaks).
 *   h2     HTTP/2 only, many streams per connection: prior knowledge (h2c) on `http://`
 *          endpoints, TLS with ALPN `h2` on `https://` ones.
 *   auto   TLS endpoints negotiate h2 or http/1.1 by ALPN (undici `allowH2`); cleartext ones
 *          speak HTTP/1.1 (nothing to negotiate with short of an Upgrade).
 */
import type { FieldParser } from '../../shared/env/types.ts';

export const UPSTREAM_PROTOCOLS = ['http1', 'h2', 'auto'] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

export interface UpstreamProtocols {
  /** The `*` entry; absent: `http1`, or `auto` when `upstreamAllowH2` is on (its older spelling). */
  readonly fallback: UpstreamProtocol | null;
  readonly byCluster: ReadonlyMap<string, UpstreamProtocol>;
}

export const NO_UPSTREAM_PROTOCOLS: UpstreamProtocols = Object.freeze({ fallback: null, byCluster: new Map() });

const EXPECTED = 'comma-separated cluster=protocol entries (cluster id or *, protocol one of http1, h2, auto)';

/** The problem with one `cluster=protocol` entry, or null. */
function entryProblem(entry: string, cluster: string, protocol: string, seen: ReadonlySet<string>): string | null {
  if (cluster === '' || /\s/.test(cluster)) return `"${entry}": the cluster id before = is empty or has spaces`;
  if (!(UPSTREAM_PROTOCOLS as readonly string[]).includes(protocol))
    return `"${entry}": protocol "${protocol}" is not one of ${UPSTREAM_PROTOCOLS.join(', ')}`;
  if (seen.has(cluster)) return `"${entry}": cluster ${cluster} is named twice`;
  return null;
}

/** Parses `*=http1,gpu-east=h2`; every bad entry is named at once. Blank = no entries. */
export function parseUpstreamProtocols(raw: string): { ok: true; value: UpstreamProtocols } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const byCluster = new Map<string, UpstreamProtocol>();
  let fallback: UpstreamProtocol | null = null;
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      problems.push(`"${entry}": expected cluster=protocol`);
      continue;
    }
    const cluster = entry.slice(0, eq).trim();
    const protocol = entry.slice(eq + 1).trim();
    const problem = entryProblem(entry, cluster, protocol, seen);
    if (problem !== null) {
      problems.push(problem);
      continue;
    }
    seen.add(cluster);
    if (cluster === '*') fallback = protocol as UpstreamProtocol;
    else byCluster.set(cluster, protocol as UpstreamProtocol);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { fallback, byCluster } };
}

/** The config field parser: the message lists every bad entry. */
export const upstreamProtocolsField: FieldParser<UpstreamProtocols> = Object.assign(
  (raw: string) => {
    const r = parseUpstreamProtocols(raw);
    return r.ok ? r : { ok: false as const, expected: `${EXPECTED}; ${r.problems.join('; ')}` };
  },
  { expected: EXPECTED },
);

/** The protocol for one cluster's replicas. */
export function protocolFor(p: UpstreamProtocols, allowH2: boolean, clusterId: string): UpstreamProtocol {
  return p.byCluster.get(clusterId) ?? p.fallback ?? (allowH2 ? 'auto' : 'http1');
}
