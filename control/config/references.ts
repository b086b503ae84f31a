import type { Cluster } from '../../shared/domain/types.ts';
import { NOT_READ_YET, NOTHING_STORED, type StoredRows } from './stored-rows.ts';

/** Where a file's references may point: its own declarations, then what the database holds. */
export interface References {
  /** False only for an id neither declared in the file nor stored (never before the database is read). */
  readonly hasProject: (id: string) => boolean;
  readonly hasCluster: (id: string) => boolean;
  /** Declared in the file but invalid: its own error says why. */
  readonly isInvalidCluster: (id: string) => boolean;
  /** Facts of the clusters the file declares validly or the database holds (the file's win: they are what gets written). */
  readonly clusters: ReadonlyMap<string, Cluster>;
}

/**
 * The file's declared ids (valid or not) and valid clusters, with what `stored` holds behind them.
 * NOT_READ_YET resolves every reference: only the file's own problems are judged then.
 */
export function references(projects: ReadonlySet<string>, clusterIds: ReadonlySet<string>, valid: readonly Cluster[], stored: StoredRows | typeof NOT_READ_YET): References {
  const unread = stored === NOT_READ_YET;
  const held = unread ? NOTHING_STORED : stored;
  const facts = new Map(held.clusters);
  for (const c of clusterIds) facts.delete(c);
  for (const c of valid) facts.set(c.id, c);
  return {
    hasProject: (id) => unread || projects.has(id) || held.projectIds.has(id),
    hasCluster: (id) => unread || clusterIds.has(id) || held.clusters.has(id),
    isInvalidCluster: (id) => clusterIds.has(id) && !facts.has(id),
    clusters: facts,
  };
}

/** Said alike for every reference: where the id was looked for, and the two ways to fix it. */
export function missing(what: 'project' | 'cluster', id: string): string {
  return `${what} '${id}', which is neither declared in this file nor stored in the database (declare it under '${what}s:', or apply the file that declares it first)`;
}
