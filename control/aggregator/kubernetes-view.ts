/**
 * Reads an app's replicas and warm headroom from the Kubernetes API of the cluster the
 * aggregator runs in, through the official client (`@kubernetes/client-node`). The reader is
 * passed in (`KubernetesReader`), so tests point the real client at a local server that answers
 * with API responses; the arithmetic is in kubernetes-capacity.ts.
 */
import { ApiException, CoreV1Api, KubeConfig, type CoreV1EventList, type V1ConfigMap, type V1NodeList, type V1PodList } from '@kubernetes/client-node';
import type { WatchedApp } from './aggregator-config.ts';
import { nodesLeftToAdd, parseAutoscalerStatus, type NodeGroupSize } from './autoscaler-status.ts';
import { gpusInUse, podStartups, readyReplicaUrls, replicasThatFit, type PodStartup } from './kubernetes-capacity.ts';

/**
 * The calls the aggregator makes (a subset of CoreV1Api; RBAC: list pods, nodes and events, get
 * the cluster-autoscaler's status ConfigMap).
 */
export interface KubernetesReader {
  listNamespacedPod(p: { namespace: string; labelSelector: string }): Promise<V1PodList>;
  listNode(p: { labelSelector?: string }): Promise<V1NodeList>;
  listPodForAllNamespaces(p: { fieldSelector: string }): Promise<V1PodList>;
  listNamespacedEvent(p: { namespace: string; fieldSelector: string }): Promise<CoreV1EventList>;
  readNamespacedConfigMap(p: { name: string; namespace: string }): Promise<V1ConfigMap>;
}

/** Where the cluster-autoscaler publishes its status. */
export const AUTOSCALER_STATUS = { namespace: 'kube-system', name: 'cluster-autoscaler-status' } as const;

/** Per app (only those with a `kubernetes` block): replica URLs, warm and cold slots, start-ups. */
export interface ClusterView {
  readonly replicas: ReadonlyMap<string, readonly string[]>;
  readonly warmSlots: ReadonlyMap<string, number>;
  /** Only apps with `coldNodeGroups` and a readable autoscaler status. */
  readonly coldSlots: ReadonlyMap<string, number>;
  readonly startups: ReadonlyMap<string, readonly PodStartup[]>;
}

/** The autoscaler's node groups; null when it publishes no status (not installed: not an error). */
async function autoscalerGroups(api: KubernetesReader): Promise<NodeGroupSize[] | null> {
  try {
    const cm = await api.readNamespacedConfigMap(AUTOSCALER_STATUS);
    return parseAutoscalerStatus(cm.data?.['status'] ?? '');
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return null;
    throw err;
  }
}

/** Names of the pods the cluster-autoscaler added a node for (events kept about an hour). */
async function scaledUpPods(api: KubernetesReader, namespace: string): Promise<Set<string>> {
  const events = await api.listNamespacedEvent({ namespace, fieldSelector: 'reason=TriggeredScaleUp,involvedObject.kind=Pod' });
  return new Set(events.items.flatMap((e) => (e.involvedObject.name === undefined ? [] : [e.involvedObject.name])));
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
  const coldSlots = new Map<string, number>();
  const startups = new Map<string, readonly PodStartup[]>();
  const namespaces = [...new Set(watched.map(({ k }) => k.namespace))];
  const wantCold = watched.some(({ k }) => (k.coldNodeGroups ?? null) !== null);
  const [pods, scaled, groups] = await Promise.all([
    Promise.all(watched.map(({ k }) => api.listNamespacedPod({ namespace: k.namespace, labelSelector: k.selector }))),
    Promise.all(namespaces.map(async (ns) => [ns, await scaledUpPods(api, ns)] as const)).then((e) => new Map(e)),
    wantCold ? autoscalerGroups(api) : Promise.resolve(null),
  ]);
  watched.forEach(({ app, k }, i) => {
    const items = pods[i]?.items ?? [];
    replicas.set(app.appId, readyReplicaUrls(items, k));
    startups.set(app.appId, podStartups(items, scaled.get(k.namespace) ?? new Set()));
    const cold = k.coldNodeGroups ?? null;
    if (cold !== null && groups !== null) {
      const replicasPerNode = Math.floor(cold.gpusPerNode / k.gpusPerReplica);
      coldSlots.set(app.appId, nodesLeftToAdd(groups, new RegExp(cold.match)) * replicasPerNode * app.slotsPerReplica);
    }
  });

  const withNodes = watched.filter(({ k }) => k.nodeSelector !== null);
  if (withNodes.length === 0) return { replicas, warmSlots, coldSlots, startups };
  // GPUs in use are summed over every pod on the node, whoever owns it.
  const [allPods, ...nodeLists] = await Promise.all([
    api.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
    ...withNodes.map(({ k }) => api.listNode({ labelSelector: k.nodeSelector ?? '' })),
  ]);
  withNodes.forEach(({ app, k }, i) => {
    const fit = replicasThatFit(nodeLists[i]?.items ?? [], gpusInUse(allPods.items, k.gpuResource), k);
    warmSlots.set(app.appId, fit * app.slotsPerReplica);
  });
  return { replicas, warmSlots, coldSlots, startups };
}
