/**
 * What the edge's request path pays for one decision at 64 candidates, before and after the
 * explanation moved off it: `before` = decide() + the route note as a spread (builds every
 * candidate's explanation and the summary) + the log line's summary + the record's input JSON,
 * as edge.ts did per request; `after` = decide() + annotateDecision + glanceAt (what it does
 * now; the rest runs after the response). Blocks of each alternate so load hits both alike.
 *
 *   npx tsx bench/decision-request-path.ts
 */
import { annotateDecision, decide, glanceAt, seededRng } from '../shared/decision/index.ts';
import { DEFAULT_POLICY } from '../shared/decision/policy.ts';
import { inputJson } from '../shared/decision/record-json.ts';
import { NOW } from '../shared/decision/test-fixtures.ts';
import type { RequestFacts } from '../shared/domain/types.ts';
import { realisticSnapshot } from './decision.ts';

const snap = realisticSnapshot(64);
const request: RequestFacts = { appId: snap.app.id, fn: 'v1/chat/completions', method: 'POST', client: { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } }, affinityKey: null, synthetic: false };
const ROUTE = { route: 'chat', reason: 'matched' };
let sink = 0;

function once(i: number, before: boolean): void {
  const seed = `r${i}`;
  const d = decide(request, snap, DEFAULT_POLICY, { now: NOW, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: false });
  if (before) {
    const routed = { ...d, route: ROUTE };
    sink += routed.summary.length + inputJson({ request, policy: DEFAULT_POLICY, now: NOW, seed, staleSnapshot: false, snapshot: snap }).length;
  } else {
    const routed = annotateDecision(d, '', '', { route: ROUTE });
    sink += glanceAt(routed).candidates;
  }
}

const samples = { before: [] as number[], after: [] as number[] };
for (let i = 0; i < 20_000; i++) once(i, (i & 1) === 0);
for (let block = 0; block < 40; block++) {
  const before = (block & 1) === 0;
  const out = before ? samples.before : samples.after;
  for (let i = 0; i < 2_000; i++) {
    const t0 = process.hrtime.bigint();
    once(block * 2_000 + i, before);
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}
for (const [name, xs] of Object.entries(samples)) {
  xs.sort((a, b) => a - b);
  const at = (q: number): string => (xs[Math.floor(q * xs.length)] ?? 0).toFixed(1);
  console.log(`${name}: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs (${xs.length} requests)`);
}
if (sink === 0) console.log('');
