import type { Cluster } from '../../shared/domain/types.ts';
import type { DesiredConfig } from './types.ts';

/**
 * What the database already holds that a config file may refer to without declaring it, so one
 * file per tenant or per app can name the projects and clusters another file (or an aggregator)
 * stored. Clusters whole, not only ids: an app's residency is checked against their continents.
 */
export interface StoredRows {
  readonly projectIds: ReadonlySet<string>;
  readonly clusters: ReadonlyMap<string, Cluster>;
}

/** A database that holds nothing: every reference must be declared in the file itself. */
export const NOTHING_STORED: StoredRows = { projectIds: new Set(), clusters: new Map() };

/**
 * The database has not been read yet (run-apply's first pass, which must find the file's own
 * problems before opening anything): a reference the file does not declare is not judged.
 */
export const NOT_READ_YET = 'not-read-yet';

/** The rows `readCurrentConfig` found, as parseConfig's references want them. */
export function storedRows(current: DesiredConfig): StoredRows {
  return { projectIds: new Set(current.projects.map((p) => p.id)), clusters: new Map(current.clusters.map((c) => [c.id, c])) };
}
