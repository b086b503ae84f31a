import type { Client } from '@libsql/client';
import { guard } from './errors.ts';
import type { OutcomeRecord } from './types.ts';

/** Record proxying outcomes in one transaction; retries of the same attempt are ignored. */
export async function insertOutcomes(
  client: Client,
  rows: readonly OutcomeRecord[],
): Promise<void> {
  if (rows.length === 0) return;
  await guard(`recording ${rows.length} outcomes`, () =>
    client.batch(
      rows.map((o) => ({
        sql: `INSERT OR IGNORE INTO outcomes (decision_id, attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms,
                duration_ms, bytes_in, bytes_out, error, at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [
          o.decisionId,
          o.attempt,
          o.proxyId,
          o.clusterId,
          o.endpoint,
          o.status,
          o.ttfbMs,
          o.durationMs,
          o.bytesIn,
          o.bytesOut,
          o.error,
          o.at,
        ],
      })),
      'write',
    ),
  );
}
