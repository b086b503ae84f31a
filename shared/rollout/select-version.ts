/**
 * The edge's hook into the decision path: under a rollout, pick the request's version
 * (sticky-assignment.ts) and hand `decide()` a view of the snapshot with only the clusters
 * serving that version. The views are cached per snapshot object (two at most: stable and
 * canary), so `decide()`'s per-snapshot compile cache keeps working. Pure.
 */
import type { AppSnapshot, RequestFacts } from '../domain/types.ts';
import { homeRegion } from './region-rule.ts';
import { assignVersion, type VersionReason } from './sticky-assignment.ts';

/** What the decision records about the rollout (explanations, replays, the dashboard). */
export interface RolloutNote {
  readonly rolloutId: string;
  readonly model: string;
  readonly version: string;
  readonly canary: boolean;
  readonly reason: VersionReason;
  readonly weightPct: number;
  readonly bucket: number | null;
  readonly homeRegion: string | null;
  /** False when no cluster serves the chosen version: the decision ran over every cluster. */
  readonly restricted: boolean;
  readonly detail: string;
}

export interface RolloutRouting {
  readonly snapshot: AppSnapshot;
  readonly note: RolloutNote | null;
}

const views = new WeakMap<AppSnapshot, Map<string, AppSnapshot | null>>();

/** Clusters of the snapshot whose replicas serve `version` of `model` (as their aggregators report). */
export function clustersServing(snap: AppSnapshot, model: string, version: string): string[] {
  const out: string[] = [];
  for (const id of snap.app.clusters) {
    if ((snap.versions?.get(id) ?? []).some((v) => v.model === model && v.version === version)) out.push(id);
  }
  return out;
}

/**
 * The snapshot restricted to the clusters serving `version` of `model`; null when none does.
 * Also the shape a route whose target names `{ model, version }` can use.
 */
export function restrictToVersion(snap: AppSnapshot, model: string, version: string): AppSnapshot | null {
  let perSnap = views.get(snap);
  if (perSnap === undefined) views.set(snap, (perSnap = new Map()));
  const key = `${model}\n${version}`;
  const cached = perSnap.get(key);
  if (cached !== undefined) return cached;
  const serving = clustersServing(snap, model, version);
  const view = serving.length === 0 ? null : { ...snap, app: { ...snap.app, clusters: serving } };
  perSnap.set(key, view);
  return view;
}

/** The version of `model` the cluster serves, if reported. */
function versionOf(snap: AppSnapshot, clusterId: string, model: string): string | null {
  return (snap.versions?.get(clusterId) ?? []).find((v) => v.model === model)?.version ?? null;
}

/**
 * Version choice and restricted snapshot for one request. No rollout: the snapshot unchanged.
 * `random` is a uniform [0,1) draw used only for requests without a session key or client key.
 */
export function routeRollout(
  req: RequestFacts,
  snap: AppSnapshot,
  random: number,
  admitsCanary: (rollout: NonNullable<AppSnapshot['rollout']>) => boolean = () => true,
): RolloutRouting {
  const rollout = snap.rollout ?? null;
  if (rollout === null) return { snapshot: snap, note: null };
  // Keyless requests fall back to the client's identity (client-key.ts) so they do not flip versions.
  const sessionKey = req.jobKeyHash ?? req.affinityKey ?? req.clientKey ?? null;
  const pin = req.jobKeyHash === undefined || req.jobKeyHash === null ? undefined : snap.jobPins?.get(req.jobKeyHash);
  const region = homeRegion(req.client.location, snap.clusters.values());
  const assigned = assignVersion({
    rollout,
    sessionKey,
    random,
    homeRegion: region,
    pinnedVersion: pin === undefined ? null : versionOf(snap, pin.clusterId, rollout.model),
  });
  // The edge's brake (canary-brake.ts) overrides a canary choice once the canary spent its budget here.
  const choice = assigned.canary && !admitsCanary(rollout)
    ? { version: rollout.stable, canary: false, reason: 'braked' as const, bucket: assigned.bucket }
    : assigned;
  const view = restrictToVersion(snap, rollout.model, choice.version);
  const base = `${rollout.model}@${choice.version} (${choice.canary ? 'canary' : 'stable'}, ${choice.reason}, weight ${rollout.weightPct} %)`;
  return {
    snapshot: view ?? snap,
    note: {
      rolloutId: rollout.id,
      model: rollout.model,
      version: choice.version,
      canary: choice.canary,
      reason: choice.reason,
      weightPct: rollout.weightPct,
      bucket: choice.bucket,
      homeRegion: region,
      restricted: view !== null,
      detail: view === null ? `rollout: no cluster serves ${base}; every cluster considered` : `rollout: ${base}`,
    },
  };
}
