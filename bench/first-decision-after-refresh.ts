/**
 * The first decision on a freshly loaded snapshot (what the first request after each background
 * refresh pays), without and with `primeSnapshot` run on it beforehand (as the edge's SWR refresh
 * and the proxy's in-region refresh now do, off the request path):
 *
 *   npx tsx bench/first-decision-after-refresh.ts
 *
 * Each round builds a new snapshot object of the same shape (a refresh), primes it or not
 * (untimed, but its own cost is reported), then times one decide() from Frankfurt, and a second
 * one for the warm reference. Rounds before the timed ones warm the JIT, as a long-lived isolate is.
 * Modes: cold (nothing primed); compile (no sample: compiled view, row scratch, term table);
 * same client (sample = the timed request's client: the in-region case, where every caller has
 * the region's location); other city (sample from Munich via the same colo: the edge's case,
 * where the sample is the last request seen).
 */
import type { ClientLocation, RequestFacts } from '../shared/domain/types.ts';
import { DEFAULT_POLICY, decide, primeSnapshot, seededRng } from '../shared/decision/index.ts';
import { NOW } from '../shared/decision/test-fixtures.ts';
import { realisticSnapshot } from './decision.ts';

const FRA: ClientLocation = { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } };
const MUNICH: ClientLocation = { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 48.1, lon: 11.6 } };
const INFLOW_COLOS = Number(process.env['BENCH_INFLOW_COLOS'] ?? '0');

type Mode = 'cold' | 'compile' | 'same client' | 'other city';
const MODES: readonly Mode[] = ['cold', 'compile', 'same client', 'other city'];

const facts = (appId: string, client: ClientLocation): RequestFacts => ({
  appId, fn: 'v1/chat/completions', method: 'POST', client, affinityKey: null, jobKeyHash: null, synthetic: false,
});

function timeDecide(req: RequestFacts, snap: ReturnType<typeof realisticSnapshot>, i: number): number {
  const seed = `d${i}`;
  const t0 = process.hrtime.bigint();
  decide(req, snap, DEFAULT_POLICY, { now: NOW, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: false });
  return Number(process.hrtime.bigint() - t0) / 1000;
}

function round(n: number, mode: Mode, i: number): { prime: number; first: number; warm: number } {
  const snap = realisticSnapshot(n, INFLOW_COLOS);
  const t0 = process.hrtime.bigint();
  if (mode === 'compile') primeSnapshot(snap, DEFAULT_POLICY, null, NOW);
  else if (mode === 'same client') primeSnapshot(snap, DEFAULT_POLICY, facts(snap.app.id, FRA), NOW);
  else if (mode === 'other city') primeSnapshot(snap, DEFAULT_POLICY, facts(snap.app.id, MUNICH), NOW);
  const prime = Number(process.hrtime.bigint() - t0) / 1000;
  const req = facts(snap.app.id, FRA);
  return { prime, first: timeDecide(req, snap, i), warm: timeDecide(req, snap, i + 1) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;

for (const [n, rounds] of [[64, 300], [512, 60]] as const) {
  for (let i = 0; i < rounds / 2; i++) for (const m of MODES) round(n, m, i); // JIT warm-up
  const got = new Map<Mode, { prime: number[]; first: number[]; warm: number[] }>(MODES.map((m) => [m, { prime: [], first: [], warm: [] }]));
  // Modes interleaved per round so machine load hits them alike.
  for (let i = 0; i < rounds; i++) {
    for (const m of MODES) {
      const r = round(n, m, i * 2);
      const g = got.get(m);
      g?.prime.push(r.prime);
      g?.first.push(r.first);
      g?.warm.push(r.warm);
    }
  }
  for (const m of MODES) {
    const g = got.get(m);
    if (g === undefined) continue;
    const f = (x: number): string => x.toFixed(1).padStart(7);
    console.log(
      `${String(n).padStart(3)} candidates, ${m.padEnd(12)}: first decision p50 ${f(median(g.first))} p90 ${f(p90(g.first))} µs; ` +
        `warm p50 ${f(median(g.warm))} µs; priming (off path) p50 ${f(median(g.prime))} µs`,
    );
  }
}
