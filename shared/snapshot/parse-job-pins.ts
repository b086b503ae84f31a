/**
 * The snapshot's `jobPins` rows (newest first) as a map by key hash. A pin that expired
 * between the read and `now` is dropped; the first (newest) row of a hash wins. Pure.
 */
import type { JobPin } from '../domain/types.ts';
import { int, str, strOrNull, type Row } from './row-values.ts';

export function parseJobPinRows(rows: readonly Row[], now: number): Map<string, JobPin> {
  const out = new Map<string, JobPin>();
  for (const row of rows) {
    const where = `job_pins row ${String(row['cluster_id'])}`;
    const pin: JobPin = {
      keyHash: str(row, 'key_hash', where),
      clusterId: str(row, 'cluster_id', where),
      endpoint: strOrNull(row, 'endpoint', where),
      expiresAt: int(row, 'expires_at', where),
    };
    if (pin.expiresAt > now && !out.has(pin.keyHash)) out.set(pin.keyHash, pin);
  }
  return out;
}
