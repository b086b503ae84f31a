import type { CompiledCandidate, CompiledSnapshot } from './compile-snapshot.ts';
import { estimateLatency, ownRttUsable } from './latency-estimate.ts';
import { costContext, costModifier, latencyModifier } from './modifiers.ts';
import type { CostContext } from './modifiers.ts';
import type { ModifierFactor, Policy } from './types.ts';
import { OwnerMemo } from '../caching/owner-memo.ts';

/**
 * Memo of the latency and cost modifiers, which for a given snapshot depend
 * only on the client's location (latency) or on the eligible set's cheapest
 * price and utilisation (cost) — the same for most requests. Reusing them
 * keeps string formatting and Math.exp/log off most decisions. A memo never
 * changes a result: entries are keyed by every input they depend on.
 */

interface LatencyTable {
  readonly policy: Policy;
  // Two slots per candidate: [own proxy's RTT fresh, geo model only], filled lazily.
  readonly factors: (ModifierFactor | undefined)[];
  readonly ms: Float64Array;
}

// Keyed by the geo-RTT array, which is unique per (snapshot, client location).
const latencyTables = new OwnerMemo<Float64Array, LatencyTable>('latency table');

export interface LatencyResult {
  modifier: ModifierFactor;
  ms: number | null;
}

/** Latency modifier and estimate for `c`, written into `out` (reused, so no allocation per candidate). */
export function latencyFor(
  c: CompiledCandidate,
  rtts: Float64Array | null,
  now: number,
  policy: Policy,
  out: LatencyResult,
): void {
  if (rtts === null) {
    out.modifier = latencyModifier(null, policy);
    out.ms = null;
    return;
  }
  let table = latencyTables.get(rtts);
  if (table === undefined || table.policy !== policy) {
    table = {
      policy,
      factors: new Array<ModifierFactor | undefined>(rtts.length * 2),
      ms: new Float64Array(rtts.length * 2),
    };
    latencyTables.set(rtts, table);
  }
  const usable = ownRttUsable(c, now, policy.staleHardMs);
  const slot = c.index * 2 + (usable ? 0 : 1);
  let modifier = table.factors[slot];
  if (modifier === undefined) {
    // `now` only matters through `usable`, already part of the slot.
    const est = estimateLatency(c, rtts[c.index] ?? null, usable);
    modifier = latencyModifier(est, policy);
    table.factors[slot] = modifier;
    table.ms[slot] = est === null ? NaN : est.ms;
  }
  out.modifier = modifier;
  const ms = table.ms[slot] ?? NaN;
  out.ms = Number.isNaN(ms) ? null : ms;
}

export interface CostTable {
  readonly policy: Policy;
  readonly cheapest: number;
  readonly utilization: number;
  readonly ctx: CostContext;
  readonly factors: (ModifierFactor | undefined)[];
}

const costTables = new OwnerMemo<CompiledSnapshot, CostTable>('cost table');

/** The cost table for this decision's (cheapest, utilisation, policy); reused while they repeat. */
export function costTable(
  compiled: CompiledSnapshot,
  cheapest: number,
  utilization: number,
  policy: Policy,
): CostTable {
  const t = costTables.get(compiled);
  if (
    t !== undefined &&
    t.policy === policy &&
    t.cheapest === cheapest &&
    t.utilization === utilization
  )
    return t;
  const fresh: CostTable = {
    policy,
    cheapest,
    utilization,
    ctx: costContext(cheapest, utilization, policy),
    factors: new Array<ModifierFactor | undefined>(compiled.candidates.length),
  };
  costTables.set(compiled, fresh);
  return fresh;
}

/** Cost modifier for `c` (its price is fixed by the snapshot, so the table entry stays valid). */
export function costFor(c: CompiledCandidate, table: CostTable): ModifierFactor {
  let m = table.factors[c.index];
  if (m === undefined) {
    m = costModifier(c.state?.pricePerHour ?? 0, table.ctx, table.policy, c.priceLabel);
    table.factors[c.index] = m;
  }
  return m;
}
