/**
 * The controller evaluates each running rollout on its own, against REAL libSQL. One tenant's
 * malformed row (say `steps_json='[10,"x"]'`) or a failing evaluation of one app threw out of
 * the whole pass: no tenant's canary advanced or rolled back until that row was fixed by hand.
 * The bad app `a/bad` sorts first, so the pass meets it before the good app `p/a`.
 */
import type { Client, InStatement } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertOutcomes } from '../store/insert-outcomes.ts';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { evaluateRollouts, startController } from './controller.ts';
import { pushDeploymentVersions } from './push-deployment-versions.ts';

const STEP = 1_700_000_000_000;
const NOW = STEP + 60_000;
let store: TempStore;

async function insertRollout(appId: string, over: { steps?: string; gates?: string } = {}): Promise<void> {
  await store.client.execute({
    sql: `INSERT INTO rollouts (app_id, id, model, stable_version, canary_version, status, weight_pct, steps_json, step_index,
            step_started_at, hold_ms, held_regions_json, gates_json, auto_promote, reason, started_at, updated_at)
          VALUES (?, 'r1', 'm', 'v1', 'v2', 'running', 10, ?, 0, ?, 600000, '[]', ?, 1, NULL, ?, ?)`,
    args: [appId, over.steps ?? '[10,50,100]', STEP, over.gates ?? '{"errorBudget":1}', STEP, STEP],
  });
}

async function statusOf(appId: string): Promise<string> {
  const rs = await store.client.execute({ sql: 'SELECT status FROM rollouts WHERE app_id = ?', args: [appId] });
  return String(rs.rows[0]?.['status']);
}

/** The database refuses `appId`'s outcome reads (a fault in evaluating that app alone). */
function failingOutcomesOf(client: Client, appId: string): Client {
  return new Proxy(client, {
    get(target, key) {
      if (key === 'execute') {
        return async (stmt: InStatement) => {
          if (typeof stmt !== 'string' && stmt.sql.includes('outcomes') && Array.isArray(stmt.args) && stmt.args.includes(appId)) throw new Error('SQLITE_IOERR: disk I/O error');
          return target.execute(stmt);
        };
      }
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Client;
}

beforeEach(async () => {
  store = await openTempStore();
  // p/a's canary (v2 on c1) errs once, reaching its error budget of 1: the pass must roll it back.
  await pushDeploymentVersions(store.client, 'c1', new Map([['p/a', [{ model: 'm', version: 'v2', replicas: 1 }]], ['a/bad', [{ model: 'm', version: 'v2', replicas: 1 }]]]), STEP);
  await insertOutcomes(store.client, [{ decisionId: 'd1', appId: 'p/a', attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null, status: 500, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: STEP + 1 }]);
  await insertRollout('p/a');
});
afterEach(() => store.dispose());

describe("one tenant's rollout that cannot be read or evaluated never stops another's", () => {
  it.each([
    { name: 'steps_json with a non-number', bad: { steps: '[10,"x"]' }, faulty: false, error: /steps_json has the wrong shape/ },
    { name: 'gates_json that is not JSON', bad: { gates: '{' }, faulty: false, error: /gates_json is not JSON/ },
    { name: "its outcomes' read fails", bad: {}, faulty: true, error: /disk I\/O error/ },
  ])('$name: the good rollout is still evaluated', async ({ bad, faulty, error }) => {
    await insertRollout('a/bad', bad);
    const client = faulty ? failingOutcomesOf(store.client, 'a/bad') : store.client;
    const r = await evaluateRollouts(client, NOW);
    expect(r.evaluated).toEqual([expect.objectContaining({ appId: 'p/a', action: 'rollback', weightPct: 0 })]);
    expect(r.failed).toEqual([{ appId: 'a/bad', error: expect.stringMatching(error) as unknown as string }]);
    expect(await statusOf('p/a')).toBe('rolled-back');
    expect(await statusOf('a/bad')).toBe('running');
  });

  it('the controller logs the skipped rollout and rolls the good one back', async () => {
    await insertRollout('a/bad', { steps: '[10,"x"]' });
    const warnings: Array<{ obj: object; msg: string }> = [];
    const controller = startController(store.client, 60_000, { info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) }, () => NOW);
    await controller.stop();
    expect(await statusOf('p/a')).toBe('rolled-back');
    expect(warnings).toEqual([{ obj: expect.objectContaining({ app: 'a/bad' }) as object, msg: expect.stringContaining('rollout skipped') as unknown as string }]);
  });
});
