/**
 * Pinned jobs, as one stage of the decision: a request whose job key hash has a live pin goes
 * to the pinned cluster, whatever the scores say, as long as no hard rule disqualifies that
 * cluster (residency, excluded, draining, unhealthy, open circuit, no capacity, stale or no
 * state). Then the pin breaks: the request is routed like any other and the decision says
 * which rule broke it. Runs after the normal pick so the explanation keeps every candidate's
 * scores; pure, and it touches only the rows' probabilities.
 */
import type { JobPin } from '../domain/types.ts';
import { type CandidateRow, queuesOnly } from './candidate-row.ts';

/** What the decision says about a pin it saw (recorded with the decision). */
export interface JobPinNote {
  readonly clusterId: string;
  readonly honoured: boolean;
  readonly detail: string;
}

export interface JobPinResult {
  /** The pinned candidate to route to, or null (no pin, or the pin broke). */
  readonly row: CandidateRow | null;
  readonly note: JobPinNote | null;
}

const NONE: JobPinResult = Object.freeze({ row: null, note: null });

export function honourJobPin(
  keyHash: string | null | undefined,
  pins: ReadonlyMap<string, JobPin> | undefined,
  rows: readonly CandidateRow[],
  now: number,
): JobPinResult {
  if (keyHash === null || keyHash === undefined || pins === undefined) return NONE;
  const pin = pins.get(keyHash);
  if (pin === undefined || !(pin.expiresAt > now)) return NONE;
  const row = rows.find((r) => r.c.id === pin.clusterId);
  if (row === undefined)
    return { row: null, note: { clusterId: pin.clusterId, honoured: false, detail: `job pin to ${pin.clusterId} broken: the app is no longer deployed there` } };
  // A full cluster admitted only to queue (decide.ts, ttft) breaks the pin as it always did: no capacity.
  if (row.tier === null || queuesOnly(row)) {
    const why = queuesOnly(row)
      ? 'no-capacity: no free, warm or cold slot (the request would only queue)'
      : row.disqualifications.map((d) => `${d.code}: ${d.detail}`).join('; ') || 'not eligible';
    return { row: null, note: { clusterId: pin.clusterId, honoured: false, detail: `job pin to ${pin.clusterId} broken by a hard rule (${why})` } };
  }
  for (const r of rows) r.probability = r === row ? 1 : 0;
  const left = Math.max(0, Math.round((pin.expiresAt - now) / 1000));
  return { row, note: { clusterId: pin.clusterId, honoured: true, detail: `job pinned to ${pin.clusterId} (${left}s left)` } };
}
