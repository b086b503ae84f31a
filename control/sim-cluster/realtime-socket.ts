/**
 * `/v1/realtime?model=…`: one Realtime session per WebSocket, text only. The
 * server opens with `session.created`; items accumulate in the conversation;
 * `response.create` takes a slot like any generation and streams
 * `response.output_text.delta` events at the replica's token rate, framed by the
 * events the SDK expects (response.created … response.done). One response at a
 * time, as the real API enforces; `response.cancel` ends it `cancelled`.
 */
import type { WebSocket } from 'ws';
import { SimHttpError } from './errors.ts';
import {
  answerToken,
  errorEvent,
  itemObject,
  parseClientEvent,
  promptTokens,
  responseObject,
  sessionObject,
  type ClientEvent,
  type ConversationItem,
  type RealtimeError,
  type RealtimeSession,
  type ResponseShape,
} from './realtime-events.ts';
import type { Replica, Ticket } from './replica.ts';
import { paceTokens } from './token-pacer.ts';

/** Bounds a simulated `inf` answer (a real model stops at its context length). */
const INF_TOKENS = 4096;

interface SessionState {
  readonly replica: Replica;
  readonly ws: WebSocket;
  readonly session: RealtimeSession;
  readonly items: ConversationItem[];
  /** The running response's abort, or null when none runs. */
  active: AbortController | null;
  seq: number;
}

function send(st: SessionState, event: Record<string, unknown>): void {
  st.seq += 1;
  st.ws.send(JSON.stringify({ event_id: `event_sim_${st.seq}`, ...event }));
}

const nextId = (st: SessionState, prefix: string) => (): string => `${prefix}_sim_${st.replica.config.replicaId}_${st.seq + 1}_${st.items.length}`;

function sendError(st: SessionState, e: RealtimeError): void {
  st.seq += 1;
  st.ws.send(JSON.stringify(errorEvent(`event_sim_${st.seq}`, e)));
}

/** Serves one accepted Realtime WebSocket until it closes. */
export function serveRealtimeSocket(replica: Replica, ws: WebSocket, model: string): void {
  const st: SessionState = {
    replica,
    ws,
    session: { id: `sess_sim_${replica.config.replicaId}_${Date.now().toString(36)}`, model, instructions: '', maxOutputTokens: 'inf' },
    items: [],
    active: null,
    seq: 0,
  };
  ws.on('close', () => st.active?.abort(new Error('websocket closed')));
  send(st, { type: 'session.created', session: sessionObject(st.session) });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return sendError(st, { type: 'invalid_request_error', code: 'invalid_event', message: 'send JSON text frames', param: null, eventId: null });
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString()) as unknown;
    } catch {
      replica.counters.badRequests += 1;
      return sendError(st, { type: 'invalid_request_error', code: 'invalid_json', message: 'the event is not valid JSON', param: null, eventId: null });
    }
    const parsed = parseClientEvent(raw, nextId(st, 'item'));
    if (!parsed.ok) {
      replica.counters.badRequests += 1;
      return sendError(st, parsed.error);
    }
    onEvent(st, parsed.event);
  });
}

function onEvent(st: SessionState, ev: ClientEvent): void {
  switch (ev.type) {
    case 'session.update':
      if (ev.instructions !== undefined) st.session.instructions = ev.instructions;
      if (ev.maxOutputTokens !== undefined) st.session.maxOutputTokens = ev.maxOutputTokens;
      return send(st, { type: 'session.updated', session: sessionObject(st.session) });
    case 'conversation.item.create': {
      const previous = st.items.at(-1)?.id ?? null;
      st.items.push(ev.item);
      send(st, { type: 'conversation.item.added', previous_item_id: previous, item: itemObject(ev.item, 'completed') });
      return send(st, { type: 'conversation.item.done', previous_item_id: previous, item: itemObject(ev.item, 'completed') });
    }
    case 'response.cancel':
      if (st.active === null)
        return sendError(st, { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'no response is in progress', param: null, eventId: ev.eventId });
      return void st.active.abort(new Error('cancelled'));
    case 'response.create':
      if (st.active !== null)
        return sendError(st, {
          type: 'invalid_request_error',
          code: 'conversation_already_has_active_response',
          message: 'a response is already in progress; wait for response.done or cancel it',
          param: null,
          eventId: ev.eventId,
        });
      st.active = new AbortController();
      runResponse(st, ev.maxOutputTokens ?? st.session.maxOutputTokens, st.active).catch(() => st.ws.terminate());
  }
}

function budget(max: number | 'inf'): { count: number; capped: boolean } {
  return max === 'inf' ? { count: INF_TOKENS, capped: false } : { count: max, capped: true };
}

/** One response: a slot, then the framing events around the paced deltas. */
async function runResponse(st: SessionState, max: number | 'inf', abort: AbortController): Promise<void> {
  const { replica } = st;
  const closed = new AbortController();
  const onClose = (): void => closed.abort(new Error('websocket closed'));
  st.ws.once('close', onClose);
  const r = { id: `resp_sim_${replica.config.replicaId}_${st.seq + 1}`, itemId: `item_sim_out_${st.seq + 1}`, text: '', inputTokens: promptTokens(st.items, st.session.instructions), outputTokens: 0 };
  const shape = (status: ResponseShape['status']): Record<string, unknown> => responseObject({ ...r, status });
  let ticket: Ticket | null = null;
  replica.counters.requests += 1;
  try {
    ticket = await replica.admit(abort.signal);
    replica.counters.promptTokens += r.inputTokens;
    send(st, { type: 'response.created', response: shape('in_progress') });
    const where = { response_id: r.id, item_id: r.itemId, output_index: 0, content_index: 0 };
    send(st, { type: 'response.output_item.added', response_id: r.id, output_index: 0, item: itemObject({ id: r.itemId, role: 'assistant', text: '' }, 'in_progress') });
    send(st, { type: 'response.content_part.added', ...where, part: { type: 'output_text', text: '' } });
    const { count, capped } = budget(max);
    let cancelled = false;
    try {
      for await (const i of paceTokens(count, replica.config.tokensPerSecond, abort.signal)) {
        if (ticket.mode.dieMidStream && i >= ticket.mode.dieAfterTokens) {
          replica.counters.died += 1;
          st.ws.terminate();
          return;
        }
        const delta = answerToken(i);
        r.text += delta;
        r.outputTokens += 1;
        replica.counters.generationTokens += 1;
        send(st, { type: 'response.output_text.delta', ...where, delta });
      }
    } catch (err) {
      if (closed.signal.aborted || st.ws.readyState !== st.ws.OPEN) throw err;
      cancelled = true; // response.cancel: the response ends, the session goes on
    }
    send(st, { type: 'response.output_text.done', ...where, text: r.text });
    send(st, { type: 'response.content_part.done', ...where, part: { type: 'output_text', text: r.text } });
    send(st, { type: 'response.output_item.done', response_id: r.id, output_index: 0, item: itemObject({ id: r.itemId, role: 'assistant', text: r.text }, 'completed') });
    st.items.push({ id: r.itemId, role: 'assistant', text: r.text });
    send(st, { type: 'response.done', response: shape(cancelled ? 'cancelled' : capped ? 'incomplete' : 'completed') });
    replica.counters.completed += 1;
  } catch (err) {
    if (err instanceof SimHttpError)
      sendError(st, { type: err.type === 'rate_limit_error' ? 'server_error' : 'invalid_request_error', code: err.code, message: err.message, param: err.param, eventId: null });
    else if (closed.signal.aborted || abort.signal.aborted) replica.counters.aborted += 1;
    else throw err;
  } finally {
    ticket?.release();
    st.ws.off('close', onClose);
    if (st.active === abort) st.active = null;
  }
}

/** The `model` query parameter the SDK always sends: this replica's model, or a refusal. */
export function realtimeModel(rawUrl: string, served: string): string | SimHttpError {
  const q = rawUrl.indexOf('?');
  const model = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)).get('model');
  if (model === null || model === '')
    return new SimHttpError('missing_model', 400, 'invalid_request_error', 'Realtime needs ?model=<model>', 'model');
  if (model !== served)
    return new SimHttpError('model_not_found', 404, 'not_found_error', `The model ${model} is not served here (this replica serves ${served}).`, 'model');
  return model;
}
