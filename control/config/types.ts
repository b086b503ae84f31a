import type { ApiKey, App, Cluster, Project } from '../../shared/domain/types.ts';

/** What a config file declares, fully defaulted: the desired state `apply` converges the database to. */
export interface DesiredConfig {
  readonly projects: readonly Project[];
  readonly apiKeys: readonly ApiKey[];
  readonly clusters: readonly Cluster[];
  readonly apps: readonly App[];
}
