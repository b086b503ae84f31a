/**
 * The text subset of the OpenAI Realtime protocol (GA event names, as the `openai`
 * SDK's `openai/realtime/ws` client types them): pure builders of server events and
 * a parser of client events. Audio, tools and turn detection are not simulated; a
 * client event outside the subset is answered with an `error` event, never a close.
 */
import { tokenText } from './openai-format.ts';

export interface RealtimeSession {
  readonly id: string;
  readonly model: string;
  instructions: string;
  /** `inf` or a positive integer, as the API takes it. */
  maxOutputTokens: number | 'inf';
}

export interface ConversationItem {
  readonly id: string;
  readonly role: 'user' | 'assistant' | 'system';
  readonly text: string;
}

export type ClientEvent =
  | { readonly type: 'session.update'; readonly eventId: string | null; readonly instructions?: string; readonly maxOutputTokens?: number | 'inf' }
  | { readonly type: 'conversation.item.create'; readonly eventId: string | null; readonly item: ConversationItem }
  | { readonly type: 'response.create'; readonly eventId: string | null; readonly maxOutputTokens?: number | 'inf' }
  | { readonly type: 'response.cancel'; readonly eventId: string | null };

export type ParsedEvent = { readonly ok: true; readonly event: ClientEvent } | { readonly ok: false; readonly error: RealtimeError };

export interface RealtimeError {
  readonly type: 'invalid_request_error' | 'server_error';
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
  readonly eventId: string | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(code: string, message: string, param: string | null, eventId: string | null): ParsedEvent {
  return { ok: false, error: { type: 'invalid_request_error', code, message, param, eventId } };
}

/** `max_output_tokens`: `inf` or an integer 1..4096 (the API's bounds). */
function maxTokens(v: unknown): number | 'inf' | undefined | null {
  if (v === undefined) return undefined;
  if (v === 'inf') return 'inf';
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4096 ? v : null;
}

/** The text of a message item: its `input_text` / `text` / `output_text` parts, joined. */
function itemText(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (!isObject(part) || typeof part['text'] !== 'string') return null;
    text += part['text'];
  }
  return text;
}

function parseItem(raw: unknown, eventId: string | null, nextId: () => string): ParsedEvent {
  if (!isObject(raw) || (raw['type'] !== undefined && raw['type'] !== 'message'))
    return invalid('invalid_value', 'only message items with text content are simulated', 'item.type', eventId);
  const role = raw['role'];
  if (role !== 'user' && role !== 'assistant' && role !== 'system')
    return invalid('invalid_value', 'item.role must be user, assistant or system', 'item.role', eventId);
  const text = itemText(raw['content']);
  if (text === null) return invalid('invalid_value', 'item.content must be a list of text parts', 'item.content', eventId);
  const id = typeof raw['id'] === 'string' && raw['id'] !== '' ? raw['id'] : nextId();
  return { ok: true, event: { type: 'conversation.item.create', eventId, item: { id, role, text } } };
}

/** Parse one client event (already JSON-decoded). */
export function parseClientEvent(raw: unknown, nextId: () => string): ParsedEvent {
  if (!isObject(raw) || typeof raw['type'] !== 'string')
    return invalid('invalid_event', 'every client event is a JSON object with a string "type"', 'type', null);
  const eventId = typeof raw['event_id'] === 'string' ? raw['event_id'] : null;
  const type = raw['type'];
  if (type === 'session.update') {
    const s = isObject(raw['session']) ? raw['session'] : {};
    const max = maxTokens(s['max_output_tokens']);
    if (max === null) return invalid('invalid_value', 'session.max_output_tokens must be "inf" or 1..4096', 'session.max_output_tokens', eventId);
    const instructions = typeof s['instructions'] === 'string' ? s['instructions'] : undefined;
    return { ok: true, event: { type, eventId, ...(instructions !== undefined ? { instructions } : {}), ...(max !== undefined ? { maxOutputTokens: max } : {}) } };
  }
  if (type === 'conversation.item.create') return parseItem(raw['item'], eventId, nextId);
  if (type === 'response.create') {
    const r = isObject(raw['response']) ? raw['response'] : {};
    const max = maxTokens(r['max_output_tokens']);
    if (max === null) return invalid('invalid_value', 'response.max_output_tokens must be "inf" or 1..4096', 'response.max_output_tokens', eventId);
    return { ok: true, event: { type, eventId, ...(max !== undefined ? { maxOutputTokens: max } : {}) } };
  }
  if (type === 'response.cancel') return { ok: true, event: { type, eventId } };
  return invalid('unknown_event', `the simulator speaks a text subset of Realtime; "${type}" is not in it`, 'type', eventId);
}

export function sessionObject(s: RealtimeSession): Json {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: s.id,
    model: s.model,
    output_modalities: ['text'],
    instructions: s.instructions,
    max_output_tokens: s.maxOutputTokens,
    tools: [],
    tool_choice: 'auto',
  };
}

export function errorEvent(eventId: string, e: RealtimeError): Json {
  return { type: 'error', event_id: eventId, error: { type: e.type, code: e.code, message: e.message, param: e.param, event_id: e.eventId } };
}

export function itemObject(item: ConversationItem, status: 'in_progress' | 'completed'): Json {
  const partType = item.role === 'assistant' ? 'output_text' : 'input_text';
  return { id: item.id, object: 'realtime.item', type: 'message', status, role: item.role, content: [{ type: partType, text: item.text }] };
}

export interface ResponseShape {
  readonly id: string;
  readonly itemId: string;
  readonly status: 'in_progress' | 'completed' | 'cancelled' | 'incomplete';
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export function responseObject(r: ResponseShape): Json {
  const done = r.status !== 'in_progress';
  return {
    object: 'realtime.response',
    id: r.id,
    status: r.status,
    status_details: r.status === 'incomplete' ? { type: 'incomplete', reason: 'max_output_tokens' } : null,
    output: done ? [itemObject({ id: r.itemId, role: 'assistant', text: r.text }, 'completed')] : [],
    output_modalities: ['text'],
    usage: done
      ? { total_tokens: r.inputTokens + r.outputTokens, input_tokens: r.inputTokens, output_tokens: r.outputTokens }
      : null,
  };
}

/** The simulated answer's text, token by token (the same words as HTTP inference). */
export function answerToken(i: number): string {
  return tokenText(i);
}

/** A rough prompt size: one token per four characters, as tokenizers average for English. */
export function promptTokens(items: readonly ConversationItem[], instructions: string): number {
  const chars = items.reduce((n, it) => n + it.text.length, instructions.length);
  return Math.max(1, Math.ceil(chars / 4));
}
