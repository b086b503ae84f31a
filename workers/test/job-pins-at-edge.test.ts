/**
 * Pinned jobs in workerd: the app's job key header is checked (400 when too long), hashed with
 * WebCrypto, and a live pin in libSQL (as a proxy writes it) routes the job to its cluster by
 * the pin (reason `pinned-job`); the decision record keeps the hash, never the raw key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hashJobKey } from '../../shared/domain/job-key.ts';
import { parseInputJson } from '../../backtest/decision-record.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import { OPERATOR_KEY, call, eventually, loggedDecision, mainDb } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

const asOperator = { 'x-switchyard-operator-key': OPERATOR_KEY };

interface Explained {
  decision: { chosen: string; reason: string; jobPin?: { clusterId: string; honoured: boolean } };
}

describe('job pins at the edge', () => {
  let hash = '';
  // Written before the app's first request, so the snapshot the edge loads carries it.
  beforeAll(async () => {
    const db = mainDb();
    hash = await hashJobKey('acme/jobs', 'job-7');
    await db.execute({
      sql: `INSERT INTO job_pins (app_id, key_hash, cluster_id, endpoint, proxy_id, expires_at, updated_at)
            VALUES ('acme/jobs', ?, 'us-east', NULL, 'proxy-us', ?, ?)`,
      args: [hash, Date.now() + 600_000, Date.now()],
    });
    db.close();
  });

  it('a job key over 256 characters is the client’s 400', async () => {
    const res = await call('/token/v4/acme/jobs/v1/chat/completions', { init: { method: 'POST', headers: { 'x-job-id': 'k'.repeat(257) } } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.code).toBe('bad-job-key');
  });

  it('a live pin routes the job to its cluster, and the record holds only the hash', async () => {
    const db = mainDb();
    const free = (await (await call('/explain/v4/acme/jobs/v1/chat/completions', { init: { headers: asOperator } })).json()) as Explained;
    expect(free.decision.reason).not.toBe('pinned-job');
    expect(free.decision.jobPin).toBeUndefined();
    const pinned = await call('/token/v4/acme/jobs/v1/chat/completions', { init: { method: 'POST', headers: { 'x-job-id': 'job-7' } } });
    expect(pinned.status).toBe(200);
    const id = pinned.headers.get('x-switchyard-decision-id') ?? '';
    const row = await eventually(async () => {
      const rs = await db.execute({ sql: 'SELECT chosen_cluster, reason, explanation_json, input_json FROM decisions WHERE id = ?', args: [id] });
      return rs.rows[0];
    });
    expect(row['chosen_cluster']).toBe('us-east');
    expect(row['reason']).toBe('pinned-job');
    expect(JSON.parse(String(row['explanation_json']))).toMatchObject({ jobPin: { clusterId: 'us-east', honoured: true } });
    const input = String(row['input_json']);
    expect(input).toContain(hash);
    expect(input).not.toContain('job-7');
    db.close();
  });

  it('the pin stays in the decision row, not in the snapshot it shares, and replays the pinned choice', async () => {
    const pinned = await call('/token/v4/acme/jobs/v1/chat/completions', { init: { method: 'POST', headers: { 'x-job-id': 'job-7' } } });
    const id = pinned.headers.get('x-switchyard-decision-id') ?? '';
    const row = await loggedDecision(id);
    expect(row.snapshotJson).toBeDefined();
    expect(row.snapshotJson).not.toContain(hash);
    const input = parseInputJson(row.inputJson, id, null, () => row.snapshotJson);
    expect([...(input.snapshot.jobPins?.keys() ?? [])]).toEqual([hash]);
    const again = decide(input.request, input.snapshot, input.policy, {
      now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: id, staleSnapshot: input.staleSnapshot,
      ...(input.strategyState === undefined ? {} : { strategyState: input.strategyState }),
    });
    expect(again.reason).toBe('pinned-job');
    expect(row.explanationJson).toBe(JSON.stringify(again));
  });
});
