/**
 * `/v1/ws`: a client sends JSON prompts (`{"prompt": "..."}` or
 * `{"messages": [...]}`, optional `max_tokens`, optional `id` echoed back) and
 * receives `{"type":"token"}` messages then `{"type":"done"}`. Prompts on one
 * connection run one after another; each competes for a slot like HTTP does.
 */
import type { WebSocket } from 'ws';
import { SimHttpError, badJson } from './errors.ts';
import { parseInferenceRequest } from './inference-request.ts';
import { tokenText, usage } from './openai-format.ts';
import type { Replica, Ticket } from './replica.ts';
import { paceTokens } from './token-pacer.ts';

function errorMessage(err: SimHttpError, id: unknown): string {
  return JSON.stringify({ type: 'error', id: id ?? null, status: err.status, ...err.toBody() });
}

/** Serves one accepted WebSocket until it closes. */
export function servePromptSocket(replica: Replica, ws: WebSocket): void {
  const controller = new AbortController();
  ws.on('close', () => controller.abort(new Error('websocket closed')));
  let queue = Promise.resolve();
  ws.on('message', (data, isBinary) => {
    // Chained so prompts on one connection never interleave their tokens.
    queue = queue
      .then(() => onMessage(replica, ws, isBinary ? null : data.toString(), controller.signal))
      // A bug must not leave later prompts waiting forever on a broken chain.
      .catch(() => ws.terminate());
  });
}

async function onMessage(replica: Replica, ws: WebSocket, raw: string | null, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let body: unknown;
  try {
    if (raw === null) throw new Error('binary frames are not accepted; send JSON text');
    body = JSON.parse(raw) as unknown;
  } catch (err) {
    replica.counters.badRequests += 1;
    ws.send(errorMessage(badJson(err instanceof Error ? err.message : String(err)), null));
    return;
  }
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  const hasPrompt = typeof body === 'object' && body !== null && 'prompt' in body;
  const parsed = parseInferenceRequest(hasPrompt ? 'completion' : 'chat', body, replica.config.defaultMaxTokens);
  if (!parsed.ok) {
    replica.counters.badRequests += 1;
    ws.send(errorMessage(parsed.error, id));
    return;
  }
  const r = parsed.request;
  replica.counters.requests += 1;
  let ticket: Ticket | null = null;
  try {
    ticket = await replica.admit(signal);
    replica.counters.promptTokens += r.promptTokens;
    for await (const i of paceTokens(r.maxTokens, replica.config.tokensPerSecond, signal)) {
      if (ticket.mode.dieMidStream && i >= ticket.mode.dieAfterTokens) {
        replica.counters.died += 1;
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify({ type: 'token', id: id ?? null, index: i, text: tokenText(i) }));
      replica.counters.generationTokens += 1;
    }
    ws.send(JSON.stringify({ type: 'done', id: id ?? null, finish_reason: r.finishReason, usage: usage(r.promptTokens, r.maxTokens), cold_start_ms: ticket.coldStartMs }));
    replica.counters.completed += 1;
  } catch (err) {
    if (err instanceof SimHttpError) ws.send(errorMessage(err, id));
    else if (signal.aborted) replica.counters.aborted += 1;
    else ws.close(1011, 'internal error');
  } finally {
    ticket?.release();
  }
}
