/**
 * What replicas serve, from their OpenAI-compatible `GET /v1/models`: each entry's `id` is the
 * model; its version is our `version` field, else vLLM's `root` (the weights the served name
 * points at) when it differs from the id. A cluster's version of a model is the one most of its
 * replicas report (ties: the greatest, so a half-finished upgrade reads as the new version). Pure.
 */

export interface ServedModel {
  readonly model: string;
  readonly version: string;
}

export interface ClusterModelVersion extends ServedModel {
  /** Replicas reporting this version. */
  readonly replicas: number;
}

/** The served models of one `/v1/models` body; entries without a version are left out. */
export function parseModelsBody(body: unknown): ServedModel[] {
  if (typeof body !== 'object' || body === null) return [];
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return [];
  const out: ServedModel[] = [];
  for (const entry of data as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, version, root } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') continue;
    const v = typeof version === 'string' && version !== '' ? version : typeof root === 'string' && root !== '' && root !== id ? root : null;
    if (v !== null) out.push({ model: id, version: v });
  }
  return out;
}

/** Per model, the version most replicas serve. */
export function majorityVersions(perReplica: readonly (readonly ServedModel[])[]): ClusterModelVersion[] {
  const counts = new Map<string, Map<string, number>>();
  for (const served of perReplica) {
    for (const s of served) {
      const byVersion = counts.get(s.model) ?? new Map<string, number>();
      byVersion.set(s.version, (byVersion.get(s.version) ?? 0) + 1);
      counts.set(s.model, byVersion);
    }
  }
  const out: ClusterModelVersion[] = [];
  for (const [model, byVersion] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let best: ClusterModelVersion | null = null;
    for (const [version, replicas] of byVersion) {
      if (best === null || replicas > best.replicas || (replicas === best.replicas && version > best.version)) best = { model, version, replicas };
    }
    if (best !== null) out.push(best);
  }
  return out;
}
