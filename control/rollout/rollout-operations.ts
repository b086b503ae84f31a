/**
 * The operator's rollout commands over libSQL: start (validated against what the aggregators
 * report each cluster serves), pause, resume, promote, abort, status.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@libsql/client';
import { chooseHeldRegions } from '../../shared/rollout/region-rule.ts';
import { promote } from '../../shared/rollout/step-schedule.ts';
import type { GateConfig, Rollout, RolloutStatus } from '../../shared/rollout/types.ts';
import { RolloutError } from './errors.ts';
import { insertRollout, readLastGate, readRollout, updateRollout } from './rollout-store.ts';

export interface StartRequest {
  readonly appId: string;
  /** The model to roll; null = the only model the app's clusters report. */
  readonly model: string | null;
  readonly canary: string;
  /** null = the one other version the app's clusters serve. */
  readonly stable: string | null;
  readonly steps: readonly number[];
  readonly holdMs: number;
  readonly keepOldRegions: number;
  readonly oldRegions: readonly string[];
  readonly gates: GateConfig;
  readonly autoPromote: boolean;
}

export interface ServedRow {
  readonly clusterId: string;
  readonly region: string;
  readonly model: string;
  readonly version: string;
}

/** What each of the app's clusters serves, with its region. */
export async function readServed(client: Client, appId: string): Promise<ServedRow[]> {
  const rs = await client.execute({
    sql: `SELECT v.cluster_id, c.region, v.model, v.version FROM deployment_versions v
          JOIN app_clusters ac ON ac.app_id = v.app_id AND ac.cluster_id = v.cluster_id
          JOIN clusters c ON c.id = v.cluster_id
          WHERE v.app_id = ? ORDER BY v.cluster_id, v.model`,
    args: [appId],
  });
  return rs.rows.map((r) => ({ clusterId: String(r['cluster_id']), region: String(r['region']), model: String(r['model']), version: String(r['version']) }));
}

const invalid = (message: string): RolloutError => new RolloutError('ROLLOUT_INVALID', message);

/** What an operator is told for an app id that names no app: the one wording for every command. */
const noSuchApp = (appId: string): string => `no app ${appId}: check the name (project/app) or apply its config first (switchyard apply)`;

async function appExists(client: Client, appId: string): Promise<boolean> {
  const rs = await client.execute({ sql: 'SELECT 1 FROM apps WHERE id = ?', args: [appId] });
  return rs.rows.length > 0;
}

/** Resolve model, stable version and held regions from what is served; every mistake is a ROLLOUT_INVALID. */
export function planRollout(req: StartRequest, served: readonly ServedRow[], now: number, id: string): Rollout {
  const models = [...new Set(served.map((s) => s.model))];
  const model = req.model ?? (models.length === 1 ? (models[0] ?? '') : null);
  if (model === null) throw invalid(`${req.appId}'s clusters serve ${models.length === 0 ? 'no versioned model (are the aggregators reading /v1/models?)' : `several models (${models.join(', ')}): name one with --model`}`);
  const ofModel = served.filter((s) => s.model === model);
  const versions = [...new Set(ofModel.map((s) => s.version))].sort();
  if (!versions.includes(req.canary)) throw invalid(`no cluster of ${req.appId} serves ${model}@${req.canary} (served: ${versions.join(', ') || 'none'})`);
  const others = versions.filter((v) => v !== req.canary);
  const stable = req.stable ?? (others.length === 1 ? (others[0] ?? '') : null);
  if (stable === null) throw invalid(`cannot tell the stable version of ${model} (served besides the canary: ${others.join(', ') || 'none'}): name it with --from`);
  if (stable === req.canary) throw invalid('--from and --to name the same version');
  if (!versions.includes(stable)) throw invalid(`no cluster of ${req.appId} serves ${model}@${stable} (served: ${versions.join(', ')})`);
  const held = chooseHeldRegions(ofModel.filter((s) => s.version === stable).map((s) => s.region), req.keepOldRegions, req.oldRegions);
  if (!held.ok) throw invalid(held.message);
  return {
    id, appId: req.appId, model, stable, canary: req.canary, status: 'running', weightPct: req.steps[0] ?? 100, heldRegions: held.regions,
    steps: req.steps, stepIndex: 0, stepStartedAt: now, holdMs: req.holdMs, gates: req.gates, autoPromote: req.autoPromote,
    reason: 'started', startedAt: now, updatedAt: now,
  };
}

export async function startRollout(client: Client, req: StartRequest, now: number): Promise<Rollout> {
  const served = await readServed(client, req.appId);
  // Nothing served can mean a mistyped app: say so rather than blame the aggregators.
  if (served.length === 0 && !(await appExists(client, req.appId))) throw invalid(noSuchApp(req.appId));
  const r = planRollout(req, served, now, `ro_${randomBytes(6).toString('hex')}`);
  await insertRollout(client, r);
  return r;
}

async function existing(client: Client, appId: string): Promise<Rollout> {
  const r = await readRollout(client, appId);
  if (r === null) {
    // A mistyped app has no rollout either: say so, rather than advise a start that cannot work.
    const message = (await appExists(client, appId)) ? `${appId} has no rollout; start one with \`switchyard rollout start ${appId} --to <version>\`` : noSuchApp(appId);
    throw new RolloutError('ROLLOUT_NOT_FOUND', message);
  }
  return r;
}

function expect(r: Rollout, allowed: readonly RolloutStatus[], what: string): void {
  if (!allowed.includes(r.status)) throw new RolloutError('ROLLOUT_STATE', `cannot ${what} the rollout of ${r.appId}: it is ${r.status}${r.reason === null ? '' : ` (${r.reason})`}`);
}

export type Operation = 'pause' | 'resume' | 'promote' | 'abort';

/** Apply an operator's command and return the rollout as stored afterwards. */
export async function operate(client: Client, appId: string, op: Operation, now: number): Promise<Rollout> {
  const r = await existing(client, appId);
  let next: Rollout;
  if (op === 'pause') {
    expect(r, ['running'], 'pause');
    next = { ...r, status: 'paused', reason: 'paused by operator', updatedAt: now };
  } else if (op === 'resume') {
    expect(r, ['paused'], 'resume');
    // The step's hold starts again: gates judge only outcomes seen while running.
    next = { ...r, status: 'running', stepStartedAt: now, reason: 'resumed by operator', updatedAt: now };
  } else if (op === 'promote') {
    expect(r, ['running', 'paused'], 'promote');
    next = promote(r, now, 'promoted by operator');
  } else {
    expect(r, ['running', 'paused'], 'abort');
    next = { ...r, status: 'aborted', weightPct: 0, reason: 'aborted by operator', updatedAt: now };
  }
  await updateRollout(client, r, next);
  return next;
}

export interface RolloutStatusReport {
  readonly rollout: Rollout;
  readonly lastGate: unknown;
  readonly served: readonly ServedRow[];
}

export async function rolloutStatus(client: Client, appId: string): Promise<RolloutStatusReport> {
  const rollout = await existing(client, appId);
  return { rollout, lastGate: await readLastGate(client, appId), served: await readServed(client, appId) };
}
