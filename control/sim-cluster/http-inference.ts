/**
 * `POST /v1/chat/completions` and `POST /v1/completions`: admit, then stream
 * tokens as SSE (one flushed event per token) or answer with one JSON body
 * after the whole generation time has passed.
 */
import type { ServerResponse } from 'node:http';
import { SimHttpError } from './errors.ts';
import { isAbort, sendError, sendJson, writeFlushed } from './http-io.ts';
import { parseInferenceRequest, type InferenceKind, type InferenceRequest } from './inference-request.ts';
import { answerText, completionResponse, responseId, sseData, streamChunk, tokenText, usage, usageChunk, type ResponseMeta } from './openai-format.ts';
import type { Prefill } from './kv-cache-model.ts';
import type { Replica, Ticket } from './replica.ts';
import { paceTokens } from './token-pacer.ts';
import { continuationStart, waitFirstToken } from './continuation.ts';

/** Handles one parsed body; never throws (every outcome becomes a response or a cut socket). */
export async function handleInference(replica: Replica, kind: InferenceKind, body: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const parsed = parseInferenceRequest(kind, body, replica.config.defaultMaxTokens);
  if (!parsed.ok) {
    replica.counters.badRequests += 1;
    sendError(res, parsed.error);
    return;
  }
  const request = parsed.request;
  const start = continuationStart(kind, body);
  if (typeof start !== 'number') {
    replica.counters.badRequests += 1;
    sendError(res, start);
    return;
  }
  replica.counters.requests += 1;
  let ticket: Ticket | null = null;
  let prefill: Prefill | null = null;
  try {
    ticket = await replica.admit(signal);
    prefill = await replica.kv.prefill(body, request.promptTokens, request.maxTokens, signal);
    replica.counters.promptTokens += request.promptTokens;
    res.setHeader('x-sim-cold-start-ms', String(ticket.coldStartMs));
    res.setHeader('x-sim-cached-tokens', String(prefill.cachedTokens));
    const meta: ResponseMeta = {
      id: responseId(kind, replica.nextSeq(), replica.config.replicaId),
      created: Math.floor(Date.now() / 1000),
      model: replica.config.model,
    };
    const finished = request.stream ? await stream(replica, request, meta, ticket, res, signal, start) : await whole(replica, request, meta, ticket, res, signal, start);
    if (finished) replica.counters.completed += 1;
  } catch (err) {
    if (err instanceof SimHttpError) sendError(res, err);
    else if (isAbort(err, signal)) replica.counters.aborted += 1;
    else throw err;
  } finally {
    prefill?.release();
    ticket?.release();
  }
}

/** True when this token is where `dieMidStream` cuts the connection. */
function diesAt(ticket: Ticket, i: number): boolean {
  return ticket.mode.dieMidStream && i >= ticket.mode.dieAfterTokens;
}

function die(replica: Replica, res: ServerResponse): false {
  replica.counters.died += 1;
  // Destroying the socket (not ending the response) is what a crashed replica looks like. What
  // was written before the crash had reached the kernel, so it reaches the client: Node's HTTP
  // response corks the socket until the next tick, and at high token rates the cut comes in the
  // same tick as the last writes (the pacer does not wait when behind), so uncork first.
  const socket = res.socket;
  if (socket !== null) {
    while (socket.writableCorked > 0) socket.uncork();
    socket.destroy();
  }
  res.destroy();
  return false;
}

async function stream(replica: Replica, r: InferenceRequest, meta: ResponseMeta, ticket: Ticket, res: ServerResponse, signal: AbortSignal, start: number): Promise<boolean> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  await waitFirstToken(ticket.mode.firstTokenDelayMs, signal);
  if (r.kind === 'chat') await writeFlushed(res, sseData(streamChunk(r.kind, meta, { text: '', finishReason: null, role: true }, r.includeUsage)), signal);
  for await (const i of paceTokens(r.maxTokens, replica.config.tokensPerSecond, signal)) {
    if (diesAt(ticket, i)) return die(replica, res);
    await writeFlushed(res, sseData(streamChunk(r.kind, meta, { text: tokenText(start + i), finishReason: null }, r.includeUsage)), signal);
    replica.counters.generationTokens += 1;
  }
  if (diesAt(ticket, r.maxTokens)) return die(replica, res);
  await writeFlushed(res, sseData(streamChunk(r.kind, meta, { text: null, finishReason: r.finishReason }, r.includeUsage)), signal);
  if (r.includeUsage) await writeFlushed(res, sseData(usageChunk(r.kind, meta, usage(r.promptTokens, r.maxTokens))), signal);
  res.end(sseData('[DONE]'));
  return true;
}

async function whole(replica: Replica, r: InferenceRequest, meta: ResponseMeta, ticket: Ticket, res: ServerResponse, signal: AbortSignal, start: number): Promise<boolean> {
  await waitFirstToken(ticket.mode.firstTokenDelayMs, signal);
  for await (const i of paceTokens(r.maxTokens, replica.config.tokensPerSecond, signal)) {
    if (diesAt(ticket, i)) return die(replica, res);
    replica.counters.generationTokens += 1;
  }
  if (diesAt(ticket, r.maxTokens)) return die(replica, res);
  sendJson(res, 200, completionResponse(r.kind, meta, answerText(start + r.maxTokens).slice(answerText(start).length), r.finishReason, usage(r.promptTokens, r.maxTokens)));
  return true;
}
