import { describe, expect, it } from 'vitest';
import { LOGGED_COLUMNS, LOGGED_SNAPSHOT, OPERATOR_KEY, call, eventually, mainDb } from './helpers.ts';

const asOperator = { 'x-switchyard-operator-key': OPERATOR_KEY };

describe('decision log', () => {
  it('writes every decision (synthetic flagged) with its explanation and replayable inputs', async () => {
    const explain = await call('/explain/v4/acme/chat/generate', { init: { headers: asOperator } });
    expect(explain.status).toBe(200);
    const explained = (await explain.json()) as { synthetic: boolean; decision: { id: string; chosen: string } };
    expect(explained.synthetic).toBe(true);
    const viaHeader = await call('/v4/acme/chat/generate', { init: { headers: { 'x-switchyard-synthetic': '1', ...asOperator } } });
    const headerId = viaHeader.headers.get('x-switchyard-decision-id') ?? '';
    expect(((await viaHeader.json()) as { synthetic: boolean }).synthetic).toBe(true);
    const real = await call('/token/v4/acme/chat/generate');
    const realId = real.headers.get('x-switchyard-decision-id') ?? '';
    expect(real.headers.get('server-timing')).toMatch(/^decision;dur=\d+(\.\d+)?$/);

    const db = mainDb();
    const rows = await eventually(async () => {
      const rs = await db.execute({
        sql: `SELECT ${LOGGED_COLUMNS} FROM decisions d ${LOGGED_SNAPSHOT} WHERE d.id IN (?, ?, ?)`,
        args: [explained.decision.id, headerId, realId],
      });
      return rs.rows.length === 3 ? rs.rows : undefined;
    });
    const byId = new Map(rows.map((r) => [String(r['id']), r]));
    expect(Number(byId.get(explained.decision.id)?.['synthetic'])).toBe(1);
    expect(Number(byId.get(headerId)?.['synthetic'])).toBe(1);
    const r = byId.get(realId);
    expect(Number(r?.['synthetic'])).toBe(0);
    const input = JSON.parse(String(r?.['input_json'])) as Record<string, unknown>;
    expect(input).toMatchObject({ v: 1, seed: String(r?.['seed']), request: { appId: 'acme/chat', fn: 'generate' } });
    // The snapshot is stored once, by content, and the row names it (migration 30).
    expect(input['snapshot']).toBeUndefined();
    expect(input['snapshotRef']).toBe(r?.['snapshot_id']);
    // The database's trigger still finds the client's colo in the row (migration 19).
    expect(r?.['origin']).toBe('DUB');
    expect((JSON.parse(String(r?.['snapshot_json'])) as { clusters: unknown[] }).clusters.length).toBe(2);
    expect(JSON.parse(String(r?.['explanation_json']))).toMatchObject({ id: realId, chosen: r?.['chosen_cluster'] });
    db.close();
  });
});
