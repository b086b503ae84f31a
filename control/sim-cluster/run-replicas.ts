/**
 * Starts several replicas (the CLI's `--replicas N`) and stops them together.
 * If one fails to start (port taken), the ones already started are closed.
 */
import type { SimClusterOptions } from './options.ts';
import { startSimCluster, type SimCluster } from './server.ts';

export interface RunningReplicas {
  readonly replicas: readonly SimCluster[];
  close(): Promise<void>;
}

export async function startReplicas(options: readonly SimClusterOptions[]): Promise<RunningReplicas> {
  const started: SimCluster[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(started.map((r) => r.close()));
  };
  try {
    for (const o of options) started.push(await startSimCluster(o));
  } catch (err) {
    await close();
    throw err;
  }
  return { replicas: started, close };
}
