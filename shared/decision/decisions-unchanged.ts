/**
 * A fixed set of decisions (every strategy, both models, 8/64/512 candidates, four clients,
 * sequences of seeds on one snapshot so the scratch reuse is exercised), serialised as the
 * decision log stores them. `decisions-unchanged.test.ts` compares their digests with the
 * values recorded from main before the hot-path work, so any change to decide() that moves a
 * single byte of a decision or its explanation fails.
 */
import { createHash } from 'node:crypto';
import { realisticSnapshot } from '../../bench/decision.ts';
import type { ClientLocation, StrategyName } from '../domain/types.ts';
import { decide } from './decide.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { seededRng } from './rng.ts';
import { withoutQueueSources } from './time-sources.ts';
import { NOW } from './test-fixtures.ts';
import type { Policy, StrategyState } from './types.ts';

const CLIENTS: readonly ClientLocation[] = [
  { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
  { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } },
  { colo: 'SIN', country: 'SG', continent: 'AS', location: { lat: 1.35, lon: 103.8 } },
  { colo: null, country: null, continent: null, location: null },
];

export const STRATEGIES: readonly StrategyName[] = ['switchyard', 'round-robin', 'random', 'weighted', 'least-outstanding', 'power-of-two', 'consistent-hash'];
export const SIZES: readonly number[] = [8, 64, 512];
export const MODELS: readonly Policy['model'][] = ['ttft', 'weights'];

/**
 * An explanation's slowness term at 0 ms, left out of the serialisation: the term came after
 * these digests were recorded, and the bench snapshot has no outcomes, so it is 0 on every
 * candidate there. Left out, every case's decisions and explanations must match main's bytes;
 * a slowness term that is not 0 stays in (and moves the digest).
 */
function withoutZeroSlowness(key: string, value: unknown): unknown {
  if (key !== 'terms' || !Array.isArray(value)) return value;
  return (value as { name?: unknown; ms?: unknown; detail?: unknown }[])
    .filter((t) => !(t.name === 'slowness' && t.ms === 0))
    .map((t) => (t.name === 'queue' && typeof t.detail === 'string' ? { ...t, detail: withoutQueueSources(t.detail) } : t));
}


/** sha256 of the serialised decisions of one case (40 decisions on one snapshot, each read after the next is made). */
export function digestOf(strategy: StrategyName, model: Policy['model'], n: number, inflowColos = 0): string {
  const base = realisticSnapshot(n, inflowColos);
  const snap = { ...base, app: { ...base.app, strategy } };
  const policy: Policy = { ...DEFAULT_POLICY, model };
  const state: StrategyState = { roundRobinCursor: 0, outstanding: new Map() };
  const hash = createHash('sha256');
  let previous: unknown = null;
  for (let i = 0; i < 40; i++) {
    const seed = `u${n}-${i}`;
    const d = decide(
      { appId: snap.app.id, fn: 'v1/chat/completions', method: 'POST', client: CLIENTS[i % 4] ?? (CLIENTS[0] as ClientLocation), affinityKey: i % 3 === 0 ? `user-${i}` : null, synthetic: false },
      snap,
      policy,
      { now: NOW + i * 250, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: i % 7 === 3, strategyState: state },
    );
    // Serialise the previous decision after this one was made: explanations are built lazily.
    if (previous !== null) hash.update(JSON.stringify(previous, withoutZeroSlowness));
    previous = d;
  }
  hash.update(JSON.stringify(previous, withoutZeroSlowness));
  return hash.digest('hex');
}

/** Snapshots whose rows carry inflow by origin (the share-of-room caps bind): the ttft model's cases, 40 colos. */
export const INFLOW_COLOS = 40;

/** Every case's digest, keyed `strategy/model/n`, and `switchyard/ttft/n/inflow` for the inflow cases. */
export function allDigests(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of STRATEGIES) for (const m of MODELS) for (const n of SIZES) out[`${s}/${m}/${n}`] = digestOf(s, m, n);
  for (const n of SIZES) out[`switchyard/ttft/${n}/inflow`] = digestOf('switchyard', 'ttft', n, INFLOW_COLOS);
  return out;
}

// `npx tsx shared/decision/decisions-unchanged.ts` prints the digests (to record them from main).
if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(JSON.stringify(allDigests(), null, 2));
