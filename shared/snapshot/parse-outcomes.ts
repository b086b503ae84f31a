/**
 * Outcome feedback: the rows of the snapshot's `outcomes` statement (recent
 * attempts per cluster for one app) as `OutcomeStats`, so the decision can see
 * a cluster that reports healthy but fails (error rate) or answers slowly
 * (observed TTFB). Pure.
 */
import type { OutcomeStats } from '../domain/types.ts';
import { int, numOrNull, str, type Row } from './row-values.ts';

export function parseOutcomeRows(rows: readonly Row[]): Map<string, OutcomeStats> {
  const out = new Map<string, OutcomeStats>();
  for (const row of rows) {
    const where = `outcomes summary row ${String(row['cluster_id'])}`;
    const clusterId = str(row, 'cluster_id', where);
    out.set(clusterId, {
      clusterId,
      requests: int(row, 'requests', where),
      replicaErrors: int(row, 'replica_errors', where),
      ttfbMs: numOrNull(row, 'ttfb_ms', where),
      // Absent from rows of an older statement (a recorded snapshot): none measured.
      ttfbMinMs: row['ttfb_min_ms'] === undefined ? null : numOrNull(row, 'ttfb_min_ms', where),
      observedAt: int(row, 'observed_at', where),
    });
  }
  return out;
}
