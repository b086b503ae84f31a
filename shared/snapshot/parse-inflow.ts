/**
 * Inflow by origin: the rows of the snapshot's `inflow` statement (this app's attempts per
 * cluster × deciding colo over INFLOW_WINDOW_MS) as requests/s, cluster id → origin → rate, so a
 * decider can bound its own share of a cluster's room (shared/decision/share-of-room.ts). Pure.
 */
import { int, str, type Row } from './row-values.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

export function parseInflowRows(rows: readonly Row[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const where = `inflow row ${String(row['cluster_id'])}/${String(row['origin'])}`;
    const clusterId = str(row, 'cluster_id', where);
    let m = out.get(clusterId);
    if (m === undefined) out.set(clusterId, (m = Object.create(null) as Record<string, number>));
    m[str(row, 'origin', where)] = int(row, 'requests', where) / (INFLOW_WINDOW_MS / 1000);
  }
  return out;
}
