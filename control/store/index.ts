/** The control plane's libSQL store: open, migrate, and one function per read or write. */
export { guard, StoreError, toStoreError, type StoreErrorCode } from './errors.ts';
export { openStore, validateStoreUrl, type Store, type StoreOptions } from './open-store.ts';
export { localPathOf } from './local-path.ts';
export { migrate, type AppliedMigration, type MigrateResult } from './migrate.ts';
export { upsertProject } from './upsert-project.ts';
export { upsertApiKey } from './upsert-api-key.ts';
export { upsertCluster } from './upsert-cluster.ts';
export { upsertApp } from './upsert-app.ts';
export { pushClusterState, type ClusterPush } from './push-cluster-state.ts';
export { setProxyDraining, upsertProxy } from './upsert-proxy.ts';
export { upsertProxyClusterHealth } from './upsert-proxy-cluster-health.ts';
export { insertDecisions } from './insert-decisions.ts';
export { insertOutcomes } from './insert-outcomes.ts';
export { readClusterStatusTable } from './read-cluster-status-table.ts';
export { loadEndpoints } from './load-endpoints.ts';
export { listApps } from './list-apps.ts';
export { listClusters } from './list-clusters.ts';
export type * from './types.ts';
