import { describe, expect, it } from 'vitest';
import type { CanaryNote } from '../../shared/canary/canary.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { parseInputJson } from '../../backtest/decision-record.ts';
import { CanaryReplay, parseCanaryJson } from '../../backtest/replay/canary-replay.ts';
import { LOGGED_COLUMNS, LOGGED_SNAPSHOT, call, eventually, mainDb } from './helpers.ts';
import type { ErrorJson, TokenBody } from './helpers.ts';

// A candidate that ignores price and network entirely (picks by queue/start-up alone): it
// disagrees with the stable policy often enough to see both choices side by side.
const CANARY = {
  ROUTE_CANARY_PERCENT: '5',
  ROUTE_CANARY_POLICY: JSON.stringify({ ROUTE_POLICY_VERSION: 'canary-v2', ROUTE_LATENCY_VALUE_USD: '0', ROUTE_TEMPERATURE_MS: '500' }),
};
const N = 300;

describe('policy canary at 5 %', () => {
  // 300 requests one after another: ~9 s in CI, 17 s beside two busy loops, against the 30 s
  // default timeout. Nothing here depends on how long they take.
  it('logs both policies\' decisions for every request in the slice, and replay re-runs both exactly', async () => {
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await call('/token/v4/acme/chat/generate', { env: CANARY });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as TokenBody).decisionId);
    }
    const db = mainDb();
    const rows = await eventually(async () => {
      const rs = await db.execute({
        sql: `SELECT ${LOGGED_COLUMNS} FROM decisions d ${LOGGED_SNAPSHOT} WHERE d.id IN (${ids.map(() => '?').join(',')})`,
        args: ids,
      });
      return rs.rows.length === N ? rs.rows : undefined;
    }, 15_000);
    db.close();
    const slice = rows.filter((r) => r['canary_json'] !== null);
    // 5 % of 300 is 15; the slice is a hash of a random seed per request here (no session key).
    expect(slice.length).toBeGreaterThanOrEqual(3);
    expect(slice.length).toBeLessThanOrEqual(40);
    for (const r of rows.filter((x) => x['canary_json'] === null)) expect(r['policy_version']).not.toBe('canary-v2');
    const replay = new CanaryReplay();
    for (const r of slice) {
      const note = parseCanaryJson(r['canary_json'], 'row') as CanaryNote;
      expect(r['policy_version']).toBe('canary-v2');
      expect(note).toMatchObject({ policy: 'canary-v2', percent: 5, served: 'candidate', chosen: r['chosen_cluster'], stablePolicy: 'default' });
      expect(typeof note.stableChosen).toBe('string');
      const input = parseInputJson(String(r['input_json']), 'input_json', null, () => String(r['snapshot_json']));
      expect(input.policy.version).toBe('canary-v2');
      const decision = JSON.parse(String(r['explanation_json'])) as Decision;
      replay.add(input, decision, note);
    }
    const report = replay.report();
    expect(report?.records).toBe(slice.length);
    expect(report?.reproduced).toEqual({ candidate: slice.length, stable: slice.length });
    expect(report?.policies).toEqual({ candidate: { 'canary-v2': slice.length }, stable: { default: slice.length } });
  }, 90_000);

  it.each([
    [{ ROUTE_CANARY_PERCENT: '5' }, 'ROUTE_CANARY_POLICY'],
    [{ ROUTE_CANARY_PERCENT: '150', ROUTE_CANARY_POLICY: CANARY.ROUTE_CANARY_POLICY }, 'ROUTE_CANARY_PERCENT'],
    // (the response names the variable only; the reason — "must set ROUTE_POLICY_VERSION" — is in the Worker's log)
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_LATENCY_VALUE_USD":"0"}' }, 'ROUTE_CANARY_POLICY'],
    [{ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"x","ROUTE_PANIC":"always"}' }, 'ROUTE_CANARY_POLICY.ROUTE_PANIC'],
  ])('refuses %j at startup naming %s', async (env, name) => {
    const res = await call('/v4/acme/chat/generate', { env });
    expect(res.status).toBe(500);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('bad-config');
    expect(body.error.message).toContain(name);
  });
});
