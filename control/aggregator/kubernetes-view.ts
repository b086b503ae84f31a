/**
 * Reads an app's replicas and warm headroom from the Kubernetes API of the cluster the
 * aggregator runs in, through the official client (`@kubernetes/client-node`). The reader is
 * passed in (`KubernetesReader`), so tests point the real client at a local server that answers
 * with API responses; the arithmetic is in kubernetes-capacity.ts.
 */
import { CoreV1Api, KubeConfig, type V1NodeList, type V1PodList } from '@kubernetes/client-node';
import type { WatchedApp } from './aggregator-config.ts';
import { gpusInUse, readyReplicaUrls, replicasThatFit } from './kubernetes-capacity.ts';

/** The calls the aggregator makes (a subset of CoreV1Api; RBAC: get/list pods and nodes). */
export interface KubernetesReader {
  listNamespacedPod(p: { namespace: string; labelSelector: string }): Promise<V1PodList>;
  listNode(p: { labelSelector?: string }): Promise<V1NodeList>;
  listPodForAllNamespaces(p: { fieldSelector: string }): Promise<V1PodList>;
}

/** Per app (only those with a `kubernetes` block): replica URLs and warm slots. */
export interface ClusterView {
  readonly replicas: ReadonlyMap<string, readonly string[]>;
  readonly warmSlots: ReadonlyMap<string, number>;
}

/** The official client, configured as kubectl would be: KUBECONFIG / ~/.kube/config, else in-cluster (service account). */
export function kubernetesReader(config?: KubeConfig): KubernetesReader {
  let kc = config;
  if (kc === undefined) {
    kc = new KubeConfig();
    kc.loadFromDefault();
  }
  return kc.makeApiClient(CoreV1Api);
}

/** One read of the cluster: pods per app, and (for apps with a node selector) nodes and GPU use. */
export async function readClusterView(api: KubernetesReader, apps: readonly WatchedApp[]): Promise<ClusterView> {
  const watched = apps.flatMap((a) => (a.kubernetes ? [{ app: a, k: a.kubernetes }] : []));
  const replicas = new Map<string, readonly string[]>();
  const warmSlots = new Map<string, number>();
  const pods = await Promise.all(watched.map(({ k }) => api.listNamespacedPod({ namespace: k.namespace, labelSelector: k.selector })));
  watched.forEach(({ app, k }, i) => replicas.set(app.appId, readyReplicaUrls(pods[i]?.items ?? [], k)));

  const withNodes = watched.filter(({ k }) => k.nodeSelector !== null);
  if (withNodes.length === 0) return { replicas, warmSlots };
  // GPUs in use are summed over every pod on the node, whoever owns it.
  const [allPods, ...nodeLists] = await Promise.all([
    api.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
    ...withNodes.map(({ k }) => api.listNode({ labelSelector: k.nodeSelector ?? '' })),
  ]);
  withNodes.forEach(({ app, k }, i) => {
    const fit = replicasThatFit(nodeLists[i]?.items ?? [], gpusInUse(allPods.items, k.gpuResource), k);
    warmSlots.set(app.appId, fit * app.slotsPerReplica);
  });
  return { replicas, warmSlots };
}
