/**
 * Inference-aware replica choice for one attempt: the pure scorer
 * (shared/prefix-cache/score-replicas.ts) over views built from the replicas' last engine
 * reports, our own in-flight counts and the prefix index; the chosen replica then records
 * the prompt's blocks (its engine will cache them). The pick and its terms go to the
 * outcome record and the debug log.
 */
import { scoreReplicas, type PickReason, type ReplicaScore, type ScorerSettings } from '../../shared/prefix-cache/score-replicas.ts';
import type { ProxyConfig } from './config.ts';
import { mathRng } from './endpoint-picker.ts';
import type { Endpoint } from './endpoint-registry.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Blocks hashed together as the rendezvous key of a prefix nobody holds yet (≈ 128 tokens). */
const KEY_BLOCKS = 8;

/** What the outcome record keeps about an inference-aware pick. */
export interface ReplicaPickSummary {
  readonly reason: PickReason;
  /** Share of the prompt's blocks the chosen replica was believed to hold. */
  readonly prefix: number;
  /** Its load (waiting + running) as estimated at the pick. */
  readonly load: number;
  readonly blocks: number;
  /** Every candidate's terms, on scored picks. */
  readonly scores?: readonly ReplicaScore[];
}

const settingsCache = new WeakMap<ProxyConfig, ScorerSettings>();

function settingsOf(c: ProxyConfig): ScorerSettings {
  let s = settingsCache.get(c);
  if (s === undefined) {
    s = {
      prefixWeight: c.replicaPrefixWeight,
      queueWeight: c.replicaQueueWeight,
      kvWeight: c.replicaKvWeight,
      imbalanceAbs: c.replicaImbalanceAbs,
      imbalanceRatio: c.replicaImbalanceRatio,
      stickyBand: 0.1,
      exploreRate: c.replicaExploreRate,
      hashLoadSlack: 2,
    };
    settingsCache.set(c, s);
  }
  return s;
}

export function chooseByPrompt(
  rt: ProxyRuntime,
  candidates: readonly Endpoint[],
  hashes: readonly number[],
): { endpoint: Endpoint; pick: ReplicaPickSummary } | null {
  const now = rt.now();
  const signals = rt.replicas;
  const views = candidates.map((e) => {
    signals.want(e.url, now);
    return {
      id: e.url,
      weight: e.weight,
      load: signals.load(e.url, now),
      kvUsage: signals.kvUsage(e.url, now),
      matchedBlocks: signals.index.matched(e.url, hashes),
    };
  });
  const key = String(hashes[Math.min(hashes.length, KEY_BLOCKS) - 1]);
  const r = scoreReplicas(views, hashes.length, key, settingsOf(rt.config), mathRng);
  const endpoint = candidates[r.index];
  const view = views[r.index];
  if (endpoint === undefined || view === undefined) return null;
  signals.index.record(endpoint.url, hashes);
  const pick: ReplicaPickSummary = {
    reason: r.reason,
    prefix: hashes.length === 0 ? 0 : view.matchedBlocks / hashes.length,
    load: view.load,
    blocks: hashes.length,
    ...(r.scores.length > 0 ? { scores: r.scores } : {}),
  };
  if (rt.logger.isLevelEnabled('debug')) rt.logger.debug({ endpoint: endpoint.url, ...pick }, 'replica pick');
  return { endpoint, pick };
}
