/**
 * Decision records made the way the Worker makes them — the real decide()
 * over a snapshot, a fresh seeded RNG per decision — and written to a real
 * libSQL database with the real schema. Used by tests and the replay benchmark.
 */
import { createClient, type Client } from '@libsql/client';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import type { AppSnapshot, Continent, OutcomeStats, RequestFacts } from '../../shared/domain/types.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { decide, seededRng } from '../decision-port.ts';
import { toDecisionRow, toReferencedDecisionRow, type DecisionRecord, type OutcomeRecord } from '../decision-record.ts';
import { Random } from '../sim/random.ts';
import { snapshotFixture, type ClusterSpec } from '../test-fixtures.ts';

const CLIENTS: ReadonlyArray<{ continent: Continent; country: string; lat: number; lon: number }> = [
  { continent: 'EU', country: 'FR', lat: 48.9, lon: 2.35 },
  { continent: 'EU', country: 'DE', lat: 52.5, lon: 13.4 },
  { continent: 'NA', country: 'US', lat: 40.7, lon: -74.0 },
  { continent: 'AS', country: 'JP', lat: 35.7, lon: 139.7 },
];

/** Near-but-expensive vs far-but-cheap clusters, so cost weight visibly matters. */
export const REPLAY_CLUSTERS: readonly ClusterSpec[] = [
  { id: 'eu-central-pricey', region: 'eu-central', provider: 'premiumgpu', price: 12, hotFree: 10 },
  { id: 'eu-west-mid', region: 'eu-west', provider: 'bigcloud', price: 5, hotFree: 10 },
  { id: 'us-east-cheap', region: 'us-east', provider: 'budgetgpu', price: 1.2, hotFree: 10 },
  { id: 'ap-northeast-mid', region: 'ap-northeast', provider: 'bigcloud', price: 4, hotFree: 10 },
  { id: 'eu-north-down', region: 'eu-north', provider: 'budgetgpu', price: 0.9, hotFree: 10, health: 'unhealthy' },
];

/**
 * `firstSnapshotEvery`: every k-th decision is made on the first snapshot again (an app whose
 * state did not change), so a file's records name a snapshot line written long before them.
 */
export function makeRecords(n: number, policy: Policy, seed = 'fixture', startAt = 1_750_000_000_000, firstSnapshotEvery = 0): DecisionRecord[] {
  const rnd = new Random(seed);
  const out: DecisionRecord[] = [];
  let fresh: AppSnapshot | null = null;
  let first: AppSnapshot | null = null;
  for (let i = 0; i < n; i++) {
    const now = startAt + i * 50;
    // A new snapshot every 20 decisions, as the Worker refreshes it every second or so.
    if (fresh === null || i % 20 === 0) fresh = withRecentOutcomes(snapshotFixture({ now, clusters: REPLAY_CLUSTERS }), i / 20);
    first ??= fresh;
    const snap = firstSnapshotEvery > 0 && i % firstSnapshotEvery === 0 ? first : fresh;
    const c = CLIENTS[Math.floor(rnd.next() * CLIENTS.length)] ?? CLIENTS[0];
    if (c === undefined) continue;
    const request: RequestFacts = {
      appId: snap.app.id,
      fn: 'v1/chat/completions',
      method: 'POST',
      client: { colo: null, country: c.country, continent: c.continent, location: { lat: c.lat, lon: c.lon } },
      affinityKey: null,
      synthetic: false,
    };
    const s = `${seed}-${i}`;
    const decision = decide(request, snap, policy, { now, rng: seededRng(s), seed: s, decisionId: `d-${i}`, staleSnapshot: false });
    const outcomes: OutcomeRecord[] =
      decision.chosen === null || i % 3 === 0
        ? []
        : [{ attempt: 0, proxyId: 'proxy-test', clusterId: decision.chosen, status: 200, ttfbMs: 40 + (i % 50), durationMs: 2_000 + (i % 7) * 1000 }];
    out.push({ input: { request, snapshot: snap, policy, now, seed: s, staleSnapshot: false }, decision, outcomes });
  }
  return out;
}

/**
 * Recent outcomes as the Worker's snapshot carries them: replica faults and a slow TTFB on one
 * cluster, a clean fast one on another, varying by snapshot. The models read them, so records
 * that dropped them would not replay exactly (and these fixtures would say so).
 */
function withRecentOutcomes(s: AppSnapshot, k: number): AppSnapshot {
  const at = s.loadedAt - 2_000;
  const outcomes = new Map<string, OutcomeStats>([
    ['eu-west-mid', { clusterId: 'eu-west-mid', requests: 40, replicaErrors: 4 + (k % 5), ttfbMs: 300 + (k % 7) * 40, observedAt: at }],
    ['us-east-cheap', { clusterId: 'us-east-cheap', requests: 30, replicaErrors: 0, ttfbMs: 150 + (k % 3) * 20, observedAt: at }],
  ]);
  return { ...s, outcomes };
}

/**
 * Creates the schema in a libSQL database and inserts the records and their outcomes: each row
 * naming its snapshot, stored once (as the edge and proxy write them since migration 30), or with
 * the snapshot inline (`'inline'`: rows written before it).
 */
export async function writeRecordsToDb(url: string, records: readonly DecisionRecord[], form: RowForm = 'referenced'): Promise<void> {
  const db = createClient({ url });
  try {
    for (const m of MIGRATIONS) for (const sql of m.statements) await db.execute(sql);
    await insertRecords(db, records, form);
  } finally {
    db.close();
  }
}

export type RowForm = 'referenced' | 'inline';

/** Inserts records and their outcomes into a migrated database, in either row form. */
export async function insertRecords(db: Client, records: readonly DecisionRecord[], form: RowForm): Promise<void> {
  const stmts = records.flatMap((r) => {
    const { row, snapshot } = form === 'inline' ? { row: toDecisionRow(r.input, r.decision, 12.5), snapshot: null } : toReferencedDecisionRow(r.input, r.decision, 12.5);
    const cols = Object.keys(row);
    return [
      ...(snapshot === null ? [] : [{ sql: 'INSERT OR IGNORE INTO decision_snapshots (id, json, at) VALUES (?, ?, ?)', args: [snapshot.id, snapshot.json, snapshot.at] }]),
      { sql: `INSERT INTO decisions (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`, args: Object.values(row) },
      ...r.outcomes.map((o) => ({
        sql: 'INSERT INTO outcomes (decision_id, attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
        args: [r.decision.id, o.attempt, o.proxyId, o.clusterId, null, o.status, o.ttfbMs, o.durationMs, 100, 1000, null, r.decision.at + 10],
      })),
    ];
  });
  for (let i = 0; i < stmts.length; i += 500) await db.batch(stmts.slice(i, i + 500), 'write');
}
