/**
 * The snapshot's `deployment_versions` and `rollouts` rows as domain data. Pure; a row that does
 * not fit throws `SnapshotError` naming it (like every snapshot part).
 */
import { SnapshotError } from '../snapshot/errors.ts';
import { int, num, str, strOrNull, type Row } from '../snapshot/row-values.ts';
import { DEFAULT_GATES, ROLLOUT_STATUSES, type DeploymentVersion, type GateConfig, type Rollout, type RolloutStatus } from './types.ts';

/** Versions per cluster id. */
export function parseVersionRows(rows: readonly Row[]): Map<string, DeploymentVersion[]> {
  const out = new Map<string, DeploymentVersion[]>();
  for (const row of rows) {
    const where = `deployment_versions row ${String(row['cluster_id'])}`;
    const v: DeploymentVersion = { clusterId: str(row, 'cluster_id', where), model: str(row, 'model', where), version: str(row, 'version', where) };
    out.set(v.clusterId, [...(out.get(v.clusterId) ?? []), v]);
  }
  return out;
}

function json<T>(row: Row, column: string, where: string, check: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(str(row, column, where));
  } catch {
    throw new SnapshotError(`${where}: ${column} is not JSON`);
  }
  if (!check(v)) throw new SnapshotError(`${where}: ${column} has the wrong shape`);
  return v;
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function gates(raw: Record<string, unknown>): GateConfig {
  const pick = (k: keyof GateConfig): number => (typeof raw[k] === 'number' ? (raw[k] as number) : DEFAULT_GATES[k]);
  return {
    minRequests: pick('minRequests'),
    errorBudget: pick('errorBudget'),
    maxErrorRateDelta: pick('maxErrorRateDelta'),
    maxTtftP95Ratio: pick('maxTtftP95Ratio'),
    ttftSlackMs: pick('ttftSlackMs'),
    maxCutRateDelta: pick('maxCutRateDelta'),
  };
}

/** One `rollouts` row; null for none. */
export function parseRolloutRow(row: Row | undefined): Rollout | null {
  if (row === undefined) return null;
  const where = `rollouts row ${String(row['app_id'])}`;
  const status = str(row, 'status', where);
  if (!(ROLLOUT_STATUSES as readonly string[]).includes(status)) throw new SnapshotError(`${where}: status ${JSON.stringify(status)} is not one of ${ROLLOUT_STATUSES.join(', ')}`);
  return {
    id: str(row, 'id', where),
    appId: str(row, 'app_id', where),
    model: str(row, 'model', where),
    stable: str(row, 'stable_version', where),
    canary: str(row, 'canary_version', where),
    status: status as RolloutStatus,
    weightPct: num(row, 'weight_pct', where),
    heldRegions: json(row, 'held_regions_json', where, isStrings),
    steps: json(row, 'steps_json', where, isNumbers),
    stepIndex: int(row, 'step_index', where),
    stepStartedAt: int(row, 'step_started_at', where),
    holdMs: int(row, 'hold_ms', where),
    gates: gates(json(row, 'gates_json', where, isObject)),
    autoPromote: int(row, 'auto_promote', where) !== 0,
    reason: strOrNull(row, 'reason', where),
    startedAt: int(row, 'started_at', where),
    updatedAt: int(row, 'updated_at', where),
  };
}
