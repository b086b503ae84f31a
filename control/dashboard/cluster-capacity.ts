/**
 * A cluster's capacity from its apps' state rows. Apps may list the same replicas (one server
 * serving several apps; `switchyard dev` gives every app all of its cluster's replicas), and each
 * app's row then counts the same slots, the same running and waiting requests and the same node
 * headroom: summed, 2 replicas × 4 slots read `24 free` with three apps. So apps that share a
 * replica form one group counted once (the largest of its rows, field by field); groups share no
 * replica and add up. Pure.
 */

export interface AppCapacity {
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  /** The app's replica URLs in this cluster (app_endpoints), healthy or not. */
  readonly replicas: readonly string[];
}

export interface ClusterCapacity {
  readonly hotFree: number;
  readonly hotBusy: number;
  readonly warm: number;
  readonly cold: number;
  readonly queued: number;
  /**
   * False when apps of one group list different replica sets (A on r1+r2, B on r2+r3): rows hold
   * only per-app totals, so the shared replica cannot be taken out and the figures are lower bounds.
   */
  readonly exact: boolean;
}

const FIELDS = ['hotFree', 'hotBusy', 'warm', 'cold', 'queued'] as const;

export function clusterCapacity(apps: readonly AppCapacity[]): ClusterCapacity {
  // Merge each app into every group it shares a replica with (a handful of apps per cluster).
  let groups: Array<{ urls: Set<string>; apps: AppCapacity[] }> = [];
  for (const app of apps) {
    const touching = groups.filter((g) => app.replicas.some((u) => g.urls.has(u)));
    const merged = { urls: new Set([...app.replicas, ...touching.flatMap((g) => [...g.urls])]), apps: [app, ...touching.flatMap((g) => g.apps)] };
    groups = [...groups.filter((g) => !touching.includes(g)), merged];
  }
  const total = { hotFree: 0, hotBusy: 0, warm: 0, cold: 0, queued: 0 };
  let exact = true;
  for (const g of groups) {
    for (const f of FIELDS) total[f] += Math.max(...g.apps.map((a) => a[f]));
    if (g.apps.some((a) => new Set(a.replicas).size !== g.urls.size)) exact = false;
  }
  return { ...total, exact };
}
