import type { Client } from '@libsql/client';
import type { ClusterAppState } from '../../shared/domain/types.ts';
import { bool, boolOrNull, int, intOrNull, num, numOrNull, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';

/** One cluster as `switchyard status` shows it: static facts, pushed status, per-app state. */
export interface StatusCluster {
  readonly id: string;
  readonly region: string;
  readonly provider: string;
  readonly health: string;
  readonly draining: boolean;
  readonly observedAt: number | null;
  readonly apps: readonly (Pick<ClusterAppState, 'appId' | 'hotFree' | 'hotBusy' | 'warm' | 'cold' | 'queued' | 'gpuType' | 'pricePerHour' | 'health' | 'observedAt'> &
    Partial<Pick<ClusterAppState, 'warmStartMs' | 'coldStartMs' | 'queueWaitMs' | 'serviceMs'>>)[];
}

/** State older than this is flagged: the edge discounts it and soon ignores it. */
export const STALE_AFTER_MS = 5_000;

/** Reads clusters, their status and every app's pushed state. */
export async function readStatus(client: Client): Promise<StatusCluster[]> {
  return guard('reading cluster status', async () => {
    const [clusters, states] = await client.batch(
      [
        `SELECT c.id, c.region, c.provider, cs.health, cs.draining, cs.observed_at,
                COALESCE(p.draining, 0) AS proxy_draining
         FROM clusters c LEFT JOIN cluster_status cs ON cs.cluster_id = c.id LEFT JOIN proxies p ON p.id = c.proxy_id
         ORDER BY c.region, c.id`,
        'SELECT * FROM cluster_app_state ORDER BY cluster_id, app_id',
      ],
      'read',
    );
    const stateRows = (states?.rows ?? []) as Row[];
    return ((clusters?.rows ?? []) as Row[]).map((r) => {
      const id = str(r, 'id', 'clusters row');
      const where = `status of ${id}`;
      return {
        id,
        region: str(r, 'region', where),
        provider: str(r, 'provider', where),
        health: strOrNull(r, 'health', where) ?? 'unknown',
        draining: (boolOrNull(r, 'draining', where) ?? false) || bool(r, 'proxy_draining', where),
        observedAt: intOrNull(r, 'observed_at', where),
        apps: stateRows
          .filter((s) => s['cluster_id'] === id)
          .map((s) => ({
            appId: str(s, 'app_id', where),
            hotFree: int(s, 'hot_free', where),
            hotBusy: int(s, 'hot_busy', where),
            warm: int(s, 'warm', where),
            cold: int(s, 'cold', where),
            queued: int(s, 'queued', where),
            gpuType: str(s, 'gpu_type', where),
            pricePerHour: num(s, 'price_per_hour', where),
            health: str(s, 'health', where) as ClusterAppState['health'],
            observedAt: int(s, 'observed_at', where),
            warmStartMs: numOrNull(s, 'warm_start_ms', where),
            coldStartMs: numOrNull(s, 'cold_start_ms', where),
            // Absent before schema v36.
            queueWaitMs: s['queue_wait_ms'] === undefined ? null : numOrNull(s, 'queue_wait_ms', where),
            serviceMs: s['service_ms'] === undefined ? null : numOrNull(s, 'service_ms', where),
          })),
      };
    });
  });
}

/** `0.8s`, `12s`, `3m`, `2h`, or `never`. */
export function formatAge(observedAt: number | null, now: number): string {
  if (observedAt === null) return 'never';
  const ms = Math.max(0, now - observedAt);
  const text = ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : ms < 120_000 ? `${Math.round(ms / 1000)}s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round(ms / 3_600_000)}h`;
  return ms > STALE_AFTER_MS ? `${text} STALE` : text;
}

/**
 * A start-up, wait or service time: `30ms`, `2.5s`, `15s`, `4m`; `-` when not reported (the policy
 * default applies). Below a second in ms: engine waits and service times are often tens of ms.
 */
export function formatStartMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : ms < 120_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)}m`;
}

const HEADER = ['CLUSTER', 'REGION', 'PROVIDER', 'HEALTH', 'AGE', 'DRAINING', 'APP', 'HOT FREE/BUSY', 'WARM', 'COLD', 'QUEUED', 'GPU', '$/H', 'START W/C', 'WAIT/SERVICE'];

/** A plain-text table, one line per cluster × app (a cluster with no apps gets one line). */
export function formatStatusTable(clusters: readonly StatusCluster[], now: number): string {
  if (clusters.length === 0) return 'no clusters: run `switchyard apply -f config.yaml` or start an aggregator';
  const rows: string[][] = [HEADER];
  for (const c of clusters) {
    const facts = [c.id, c.region, c.provider, c.health, formatAge(c.observedAt, now), c.draining ? 'yes' : 'no'];
    if (c.apps.length === 0) rows.push([...facts, '-', '-', '-', '-', '-', '-', '-', '-', '-']);
    c.apps.forEach((a, i) => {
      const appHealth = a.health === 'healthy' ? '' : ` (${a.health})`;
      rows.push([
        ...(i === 0 ? facts : facts.map(() => '')),
        `${a.appId}${appHealth}`,
        `${a.hotFree}/${a.hotBusy}`,
        String(a.warm),
        String(a.cold),
        String(a.queued),
        a.gpuType,
        a.pricePerHour.toFixed(2),
        `${formatStartMs(a.warmStartMs)}/${formatStartMs(a.coldStartMs)}`,
        `${formatStartMs(a.queueWaitMs)}/${formatStartMs(a.serviceMs)}`,
      ]);
    });
  }
  const widths = HEADER.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  ').trimEnd()).join('\n');
}
