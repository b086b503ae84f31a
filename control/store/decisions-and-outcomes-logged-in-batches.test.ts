import { afterEach, expect, test } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { insertDecisions } from './insert-decisions.ts';
import { insertOutcomes } from './insert-outcomes.ts';
import { openTempStore, type TempStore } from './test-fixtures.ts';
import type { OutcomeRecord } from './types.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

function decision(id: string, at: number): Decision {
  return {
    id,
    at,
    appId: 'acme/chat',
    fn: 'v1/chat/completions',
    strategy: 'switchyard',
    outcome: 'routed',
    chosen: 'eu-1',
    fallbacks: ['us-1'],
    reason: 'weighted-pick',
    tier: 'hot',
    stale: false,
    synthetic: true,
    policyVersion: 'p1',
    seed: 's',
    candidates: [],
    summary: 'chose eu-1',
  };
}

const outcome = (decisionId: string, attempt: number): OutcomeRecord => ({
  decisionId,
  attempt,
  proxyId: 'proxy-eu',
  clusterId: 'eu-1',
  endpoint: 'http://127.0.0.1:7001',
  status: 200,
  ttfbMs: 12.5,
  durationMs: 40,
  bytesIn: 100,
  bytesOut: 2000,
  error: null,
  at: 5,
});

test('decisions keep their full explanation and input; a retried batch is harmless', async () => {
  store = await openTempStore();
  const rows = [
    { decision: decision('d1', 1), input: { request: { fn: 'x' } }, decisionUs: 42.5 },
    { decision: decision('d2', 2), input: null, decisionUs: null },
  ];
  await insertDecisions(store.client, rows);
  await insertDecisions(store.client, rows);
  await insertDecisions(store.client, []);
  const rs = await store.client.execute(
    'SELECT id, synthetic, chosen_cluster, decision_us, explanation_json, input_json FROM decisions ORDER BY id',
  );
  expect(rs.rows).toHaveLength(2);
  expect(JSON.parse(String(rs.rows[0]?.['explanation_json']))).toEqual(decision('d1', 1));
  expect(JSON.parse(String(rs.rows[0]?.['input_json']))).toEqual({ request: { fn: 'x' } });
  expect(rs.rows[0]?.['decision_us']).toBe(42.5);
  expect(rs.rows[1]?.['input_json']).toBe('null');
});

test('outcomes are written per attempt in one batch', async () => {
  store = await openTempStore();
  await insertOutcomes(store.client, [outcome('d1', 0), outcome('d1', 1), outcome('d1', 1)]);
  const rs = await store.client.execute(
    'SELECT attempt, ttfb_ms, bytes_out FROM outcomes ORDER BY attempt',
  );
  expect(rs.rows.map((r) => ({ ...r }))).toEqual([
    { attempt: 0, ttfb_ms: 12.5, bytes_out: 2000 },
    { attempt: 1, ttfb_ms: 12.5, bytes_out: 2000 },
  ]);
});
