/**
 * Builds the in-region gate around the token gate when the proxy has a database and
 * `inRegion` is on (proxy.ts calls this once at start). Without a database there is no key
 * store to check callers against, so tokenless requests keep being refused as before.
 */
import { DEFAULT_POLICY } from '../../shared/decision/index.ts';
import type { SnapshotReader } from '../../shared/snapshot/index.ts';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config.ts';
import { InRegionDecisionLog, type DecisionWriter } from './in-region-decision-log.ts';
import { primeInRegion } from './in-region-decide.ts';
import { inRegionGate } from './in-region-gate.ts';
import { libsqlInRegionSource } from './in-region-source.ts';
import type { TokenGate } from './token-gate.ts';

export type InRegionDb = SnapshotReader & DecisionWriter;

export interface InRegionWiring {
  readonly gate: TokenGate;
  stop(): Promise<void>;
}

/** `knownApp`: the registry knows this app (its first load then counts against its project, not the made-up ids'). */
export function wireInRegion(config: ProxyConfig, tokens: TokenGate, db: InRegionDb | null, now: () => number, logger: Logger, knownApp: (appId: string) => boolean = () => false): InRegionWiring {
  if (db === null || !config.inRegion || config.authDisabled) return { gate: tokens, stop: async () => undefined };
  const onError = (err: unknown): void => logger.warn({ err }, 'in-region: database read or write failed');
  // One object for the gate and the priming: the term table is cached per policy object.
  const policy = DEFAULT_POLICY;
  const log = config.inRegionRecordDecisions ? new InRegionDecisionLog(db, now, onError) : null;
  log?.start(1_000);
  // The age at which the gate calls a snapshot stale; the source refreshes one that old first.
  const staleMs = Math.max(10_000, 10 * config.inRegionRefreshMs);
  const source = libsqlInRegionSource(db, {
    refreshMs: config.inRegionRefreshMs,
    staleMs,
    // Another proxy's report older than a few of its intervals no longer speaks for a cluster.
    maxProxyReportAgeMs: Math.max(30_000, 10 * config.reportIntervalMs),
    policy,
    now,
    onError,
    // Off the request path: the first request after a refresh pays a warm decision only.
    prepareSnapshot: (s) => primeInRegion(s, config.region, policy, now()),
    knownApp,
  });
  const gate = inRegionGate(tokens, {
    proxyId: config.id,
    region: config.region,
    policy,
    staleMs,
    source,
    log,
    failed: (err, app) => logger.warn({ err, app }, 'in-region: could not decide (503 store-unavailable)'),
    trustedProxies: config.trustedProxies,
  });
  return { gate, stop: async () => log?.stop() };
}
