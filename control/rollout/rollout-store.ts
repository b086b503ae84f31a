/**
 * Reads and writes of the `rollouts` table (one row per app). Every change is a compare-and-set
 * on `updated_at`, so the controller and an operator's command never overwrite each other's
 * newer decision: the loser sees `RolloutError('ROLLOUT_CONFLICT')` and re-reads.
 */
import type { Client } from '@libsql/client';
import { parseRolloutRow } from '../../shared/rollout/parse-rollout-rows.ts';
import type { Rollout } from '../../shared/rollout/types.ts';
import type { GateVerdict } from '../../shared/rollout/gate-evaluation.ts';
import { RolloutError } from './errors.ts';

export async function readRollout(client: Client, appId: string): Promise<Rollout | null> {
  const rs = await client.execute({ sql: 'SELECT * FROM rollouts WHERE app_id = ?', args: [appId] });
  return parseRolloutRow(rs.rows[0] as Record<string, unknown> | undefined);
}

/** A running rollout's row, or why it could not be read (its app only). */
export type RunningRollout = { readonly ok: true; readonly rollout: Rollout } | { readonly ok: false; readonly appId: string; readonly error: string };

/**
 * Rollouts the controller acts on, each parsed on its own: one tenant's malformed row (say
 * `steps_json='[10,"x"]'`) threw for the whole list, and no tenant's canary advanced or rolled back.
 */
export async function readRunningRollouts(client: Client): Promise<RunningRollout[]> {
  const rs = await client.execute("SELECT * FROM rollouts WHERE status = 'running' ORDER BY app_id");
  return rs.rows.flatMap((row): RunningRollout[] => {
    try {
      const r = parseRolloutRow(row as Record<string, unknown>);
      return r === null ? [] : [{ ok: true, rollout: r }];
    } catch (err) {
      return [{ ok: false, appId: String(row['app_id']), error: err instanceof Error ? err.message : String(err) }];
    }
  });
}

export async function readLastGate(client: Client, appId: string): Promise<unknown> {
  const rs = await client.execute({ sql: 'SELECT last_gate_json FROM rollouts WHERE app_id = ?', args: [appId] });
  const raw = rs.rows[0]?.['last_gate_json'];
  return typeof raw === 'string' ? (JSON.parse(raw) as unknown) : null;
}

function values(r: Rollout): Array<string | number | null> {
  return [
    r.id, r.model, r.stable, r.canary, r.status, r.weightPct, JSON.stringify(r.steps), r.stepIndex, r.stepStartedAt, r.holdMs,
    JSON.stringify(r.heldRegions), JSON.stringify(r.gates), r.autoPromote ? 1 : 0, r.reason, r.startedAt, r.updatedAt,
  ];
}

const COLUMNS = `id, model, stable_version, canary_version, status, weight_pct, steps_json, step_index, step_started_at, hold_ms,
  held_regions_json, gates_json, auto_promote, reason, started_at, updated_at`;

/** A new rollout replaces a finished one; refused while another is running or paused. */
export async function insertRollout(client: Client, r: Rollout): Promise<void> {
  const rs = await client.execute({
    sql: `INSERT INTO rollouts (app_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(app_id) DO UPDATE SET (${COLUMNS}, last_gate_json) =
            (excluded.id, excluded.model, excluded.stable_version, excluded.canary_version, excluded.status, excluded.weight_pct,
             excluded.steps_json, excluded.step_index, excluded.step_started_at, excluded.hold_ms, excluded.held_regions_json,
             excluded.gates_json, excluded.auto_promote, excluded.reason, excluded.started_at, excluded.updated_at, NULL)
          WHERE rollouts.status NOT IN ('running', 'paused')`,
    args: [r.appId, ...values(r)],
  });
  if (rs.rowsAffected === 0) throw new RolloutError('ROLLOUT_ACTIVE', `${r.appId} already has a running or paused rollout: promote or abort it first`);
}

/** Replace `before` with `after` unless someone changed the row since `before` was read. */
export async function updateRollout(client: Client, before: Rollout, after: Rollout, gate: GateVerdict | null = null): Promise<void> {
  const rs = await client.execute({
    sql: `UPDATE rollouts SET (${COLUMNS}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${gate === null ? '' : ', last_gate_json = ?'}
          WHERE app_id = ? AND updated_at = ? AND id = ?`,
    args: [...values(after), ...(gate === null ? [] : [JSON.stringify(gate)]), before.appId, before.updatedAt, before.id],
  });
  if (rs.rowsAffected === 0) throw new RolloutError('ROLLOUT_CONFLICT', `the rollout of ${before.appId} changed meanwhile; read its status and retry`);
}
