/**
 * What a Kubernetes cluster's own objects say about an app's capacity, as pure functions over
 * API objects: the Ready pods of the app are its replicas (scraped for hot capacity as any
 * replica is), and GPUs free on Ready, schedulable nodes of the app's GPU type are its warm
 * headroom (a replica could start there in seconds); node groups the cluster-autoscaler may
 * still grow are the cold headroom (autoscaler-status.ts); pods' own conditions time start-ups.
 * No I/O here: kubernetes-view.ts lists.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';

/** How the aggregator finds one app in the cluster (the `kubernetes` block of an app). */
export interface KubernetesAppSpec {
  readonly namespace: string;
  /** Label selector of the app's replica pods, e.g. `app=vllm-chat`. */
  readonly selector: string;
  /** Port the inference server listens on inside each pod. */
  readonly port: number;
  readonly scheme: 'http' | 'https';
  /** Label selector of the nodes with this app's GPU type, e.g. `nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3`. */
  readonly nodeSelector: string | null;
  /** Extended resource name of a GPU. */
  readonly gpuResource: string;
  readonly gpusPerReplica: number;
  /**
   * Cold headroom from the cluster-autoscaler: node groups whose name matches `match` (a regular
   * expression) and the GPUs each of their nodes has. Null = use the configured `cold`.
   */
  readonly coldNodeGroups?: { readonly match: string; readonly gpusPerNode: number } | null;
}

const isTrue = (conds: ReadonlyArray<{ type: string; status: string }> | undefined, type: string): boolean =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True');

/** Base URLs of the pods that are Ready, have an IP and are not being deleted, sorted. */
export function readyReplicaUrls(pods: readonly V1Pod[], spec: Pick<KubernetesAppSpec, 'port' | 'scheme'>): string[] {
  const urls = pods
    .filter((p) => p.metadata?.deletionTimestamp === undefined && isTrue(p.status?.conditions, 'Ready'))
    .map((p) => p.status?.podIP)
    .filter((ip): ip is string => typeof ip === 'string' && ip !== '')
    .map((ip) => `${spec.scheme}://${ip.includes(':') ? `[${ip}]` : ip}:${spec.port}`);
  return [...new Set(urls)].sort();
}

/** Kubernetes quantities for GPUs are whole numbers ("8"); anything else counts as none. */
function wholeQuantity(q: string | undefined): number {
  const n = q === undefined ? 0 : Number(q);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** GPUs requested on each node by pods that still hold them (not Succeeded or Failed). */
export function gpusInUse(pods: readonly V1Pod[], gpuResource: string): Map<string, number> {
  const used = new Map<string, number>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node === undefined || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const n = (p.spec?.containers ?? []).reduce((sum, c) => sum + wholeQuantity(c.resources?.requests?.[gpuResource] ?? c.resources?.limits?.[gpuResource]), 0);
    if (n > 0) used.set(node, (used.get(node) ?? 0) + n);
  }
  return used;
}

/**
 * Replicas of `gpusPerReplica` GPUs that fit on the given nodes right now: per Ready,
 * schedulable node, floor((allocatable − in use) / gpusPerReplica), summed.
 */
export function replicasThatFit(nodes: readonly V1Node[], inUse: ReadonlyMap<string, number>, spec: Pick<KubernetesAppSpec, 'gpuResource' | 'gpusPerReplica'>): number {
  let fit = 0;
  for (const node of nodes) {
    if (node.spec?.unschedulable === true || !isTrue(node.status?.conditions, 'Ready')) continue;
    const free = wholeQuantity(node.status?.allocatable?.[spec.gpuResource]) - (inUse.get(node.metadata?.name ?? '') ?? 0);
    if (free > 0) fit += Math.floor(free / spec.gpusPerReplica);
  }
  return fit;
}

/** A replica start-up Kubernetes recorded: creation to Ready, and whether it waited for a new node. */
export interface PodStartup {
  readonly uid: string;
  readonly ms: number;
  readonly tier: 'warm' | 'cold';
}

/**
 * Scheduling that took this long waited for a node to be provisioned (nodes take minutes to
 * join; the scheduler places a pod on an existing node in well under a second).
 */
export const NODE_WAIT_MS = 10_000;

const timeOf = (v: Date | string | undefined): number | null => {
  const t = v === undefined ? NaN : v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isFinite(t) ? t : null;
};

const conditionAt = (pod: V1Pod, type: string): number | null => {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === type && x.status === 'True');
  return c === undefined ? null : timeOf(c.lastTransitionTime);
};

/**
 * Start-ups of the app's Ready pods, timed by Kubernetes itself (creation → Ready condition), so
 * they are exact rather than one scrape interval coarse. Cold when the pod waited for a new node:
 * the cluster-autoscaler recorded `TriggeredScaleUp` for it (`scaledUp`: pod names), or it sat
 * unscheduled for NODE_WAIT_MS (events expire after an hour; the condition does not).
 */
export function podStartups(pods: readonly V1Pod[], scaledUp: ReadonlySet<string>): PodStartup[] {
  const out: PodStartup[] = [];
  for (const p of pods) {
    const uid = p.metadata?.uid;
    const created = timeOf(p.metadata?.creationTimestamp);
    const ready = conditionAt(p, 'Ready');
    if (uid === undefined || created === null || ready === null || ready < created || p.metadata?.deletionTimestamp !== undefined) continue;
    const scheduled = conditionAt(p, 'PodScheduled');
    const waitedForNode = scaledUp.has(p.metadata?.name ?? '') || (scheduled !== null && scheduled - created >= NODE_WAIT_MS);
    out.push({ uid, ms: ready - created, tier: waitedForNode ? 'cold' : 'warm' });
  }
  return out;
}
