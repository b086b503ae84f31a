/**
 * The Kubernetes cluster-autoscaler's own view of its node groups, read from the ConfigMap it
 * publishes (`kube-system/cluster-autoscaler-status`, key `status`): per group the size it asked
 * the cloud for (`cloudProviderTarget`), its bounds and how many nodes are ready. Two formats
 * exist: YAML (cluster-autoscaler ≥ 1.30) and the older human-readable text
 * (`Health: Healthy (ready=3 … cloudProviderTarget=3 (minSize=1, maxSize=10))`); both parse here.
 * Pure: kubernetes-view.ts reads the ConfigMap.
 */
import { parse as parseYaml } from 'yaml';

export interface NodeGroupSize {
  readonly name: string;
  readonly ready: number;
  /** Nodes the autoscaler asked the cloud provider for (ready + still coming). */
  readonly target: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly scaleUpInProgress: boolean;
}

const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function fromYaml(doc: unknown): NodeGroupSize[] | null {
  const groups = rec(doc)['nodeGroups'];
  if (!Array.isArray(groups)) return null;
  const out: NodeGroupSize[] = [];
  for (const g of groups) {
    const health = rec(rec(g)['health']);
    const name = rec(g)['name'];
    const target = int(health['cloudProviderTarget']);
    const minSize = int(health['minSize']);
    const maxSize = int(health['maxSize']);
    if (typeof name !== 'string' || target === null || minSize === null || maxSize === null) continue;
    const ready = int(rec(rec(health['nodeCounts'])['registered'])['ready']) ?? 0;
    out.push({ name, ready, target, minSize, maxSize, scaleUpInProgress: rec(rec(g)['scaleUp'])['status'] === 'InProgress' });
  }
  return out;
}

const LEGACY_GROUP = /^\s*Name:\s+(\S+)\s*\n\s*Health:\s+\w+\s+\(ready=(\d+)[^)]*?cloudProviderTarget=(\d+)\s+\(minSize=(\d+),\s*maxSize=(\d+)\)\)(?:[\s\S]*?\n\s*ScaleUp:\s+(\w+))?/gm;

function fromLegacyText(text: string): NodeGroupSize[] {
  const at = text.indexOf('NodeGroups:');
  if (at < 0) return [];
  const out: NodeGroupSize[] = [];
  for (const m of text.slice(at).matchAll(LEGACY_GROUP)) {
    const [, name = '', ready = '0', target = '0', min = '0', max = '0', scaleUp] = m;
    out.push({ name, ready: Number(ready), target: Number(target), minSize: Number(min), maxSize: Number(max), scaleUpInProgress: scaleUp === 'InProgress' });
  }
  return out;
}

/** Node groups in the status text; [] when it holds none this parser can read. */
export function parseAutoscalerStatus(text: string): NodeGroupSize[] {
  try {
    const fromDoc = fromYaml(parseYaml(text));
    if (fromDoc !== null) return fromDoc;
  } catch {
    // Not YAML: the legacy text format below (its "Name:  x" lines are not always valid YAML).
  }
  return fromLegacyText(text);
}

/**
 * Nodes the autoscaler could still add to the groups matching `match` before their max size: the
 * cold headroom (a node must be provisioned before a replica can start there).
 */
export function nodesLeftToAdd(groups: readonly NodeGroupSize[], match: RegExp): number {
  let n = 0;
  for (const g of groups) if (match.test(g.name)) n += Math.max(0, g.maxSize - Math.max(g.target, g.ready));
  return n;
}
