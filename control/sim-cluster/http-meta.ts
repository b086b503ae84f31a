/** `/health`, `/metrics`, `/v1/models` and `/_control`: small answers about the replica itself. */
import type { ServerResponse } from 'node:http';
import { sendError, sendJson } from './http-io.ts';
import { parseControlPatch } from './fault-mode.ts';
import { renderMetrics } from './metrics-text.ts';
import type { Replica } from './replica.ts';

export function handleHealth(replica: Replica, res: ServerResponse): void {
  if (replica.mode.fail) sendJson(res, 503, { status: 'failing' });
  else sendJson(res, 200, { status: 'ok' });
}

export function handleMetrics(replica: Replica, res: ServerResponse): void {
  const s = replica.snapshot();
  const text = renderMetrics({
    model: s.model,
    clusterId: s.clusterId,
    replicaId: s.replicaId,
    gpuType: s.gpuType,
    slots: s.slots,
    running: s.running,
    waiting: s.waiting,
    modelLoaded: s.modelLoaded,
    coldStarts: s.coldStarts,
    counters: s.counters,
    kv: replica.kv.report(),
    names: replica.config.metricNames,
  });
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function handleModels(replica: Replica, startedAtS: number, res: ServerResponse): void {
  const { model, modelVersion } = replica.config;
  // vLLM's `root` is the weights the served name points at: a version tells them apart.
  const version = modelVersion === null ? {} : { root: `${model}@${modelVersion}`, version: modelVersion };
  sendJson(res, 200, {
    object: 'list',
    data: [{ id: model, object: 'model', created: startedAtS, owned_by: 'switchyard-sim', loaded: replica.loader.loaded, ...version }],
  });
}

export function handleControlGet(replica: Replica, res: ServerResponse): void {
  sendJson(res, 200, replica.snapshot());
}

export function handleControlPost(replica: Replica, body: unknown, res: ServerResponse): void {
  const parsed = parseControlPatch(body);
  if (!parsed.ok) {
    sendError(res, parsed.error);
    return;
  }
  sendJson(res, 200, replica.apply(parsed.patch));
}
