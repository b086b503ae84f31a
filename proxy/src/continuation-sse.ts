/**
 * The SSE side of a continuable stream: upstream bytes cut into whole events (a replica that
 * dies mid-event must not leave half an event at the client for the continuation to glue onto),
 * what those events said (completion id, text so far, tool calls, choices), and the rewrite of
 * a continuation's events into the first replica's stream: the first id everywhere, the
 * continuation's role-only opening chunk dropped. Pure; memory is bounded (see `maxChars`).
 */
import { MAX_SSE_EVENT_CHARS } from '../../shared/http/sse-event-limit.ts';
import type { StreamKind } from './continuation-request.ts';

/** An SSE event longer than this is not an OpenAI chunk: the stream is passed on untouched. */
export const MAX_EVENT_CHARS = MAX_SSE_EVENT_CHARS;
/** The blank line ending an event, searched for in one chunk (and the carry before it). */
const BOUNDARIES = /\r?\n\r?\n/g;

/**
 * How many bytes at the end of `b` start a UTF-8 character that is not complete yet (0..3).
 * Invalid sequences count as complete: they decode to U+FFFD either way.
 */
export function incompleteUtf8Tail(b: Buffer): number {
  for (let i = 1; i <= Math.min(3, b.length); i++) {
    const byte = b[b.length - i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    if (byte < 0xc0) return 0; // ASCII
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return need > i ? i : 0;
  }
  return 0;
}

/**
 * Cuts a byte stream into whole SSE events (each returned with its blank-line terminator). It
 * decodes only whole characters and holds a character's first bytes itself (not in a decoder),
 * so a stream it gives up on goes on byte for byte, never split inside a character.
 */
export class SseEventSplitter {
  /**
   * The unfinished event, in the pieces it came in, joined once when it ends: appended to one
   * string and searched whole for each chunk, a replica's 1 MiB event in 64-byte writes cost 10 s
   * of the event loop every tenant of the process shares (its length for each of its chunks).
   */
  private pieces: string[] = [];
  private pendingChars = 0;
  /** The last characters (at most 3), where a boundary split between chunks begins. */
  private carry = '';
  private held: Buffer = Buffer.alloc(0);

  /** Whole events completed by this chunk; null once an event outgrew MAX_EVENT_CHARS. */
  push(chunk: Buffer): string[] | null {
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const whole = bytes.length - incompleteUtf8Tail(bytes);
    // A copy: a few bytes must not keep the whole chunk alive.
    this.held = Buffer.from(bytes.subarray(whole));
    // Only this chunk is searched, after the carry (already among the pieces).
    const window = this.carry + bytes.toString('utf8', 0, whole);
    let from = this.carry.length;
    let lastEnd = 0;
    const events: string[] = [];
    BOUNDARIES.lastIndex = 0;
    for (let m = BOUNDARIES.exec(window); m !== null; m = BOUNDARIES.exec(window)) {
      lastEnd = m.index + m[0].length;
      events.push(this.pieces.join('') + window.slice(from, lastEnd));
      this.pieces = [];
      this.pendingChars = 0;
      from = lastEnd;
    }
    if (from < window.length) {
      this.pieces.push(window.slice(from));
      this.pendingChars += window.length - from;
    }
    this.carry = window.slice(Math.max(lastEnd, window.length - 3));
    return this.pendingChars > MAX_EVENT_CHARS ? null : events;
  }

  /** What is left of an unfinished event (sent on as is when the stream ends cleanly). */
  rest(): string {
    return this.pieces.join('') + this.held.toString('utf8');
  }

  /** What is left, byte for byte as received (a held character start included, for its rest to follow). */
  restBytes(): Buffer {
    return Buffer.concat([Buffer.from(this.pieces.join(''), 'utf8'), this.held]);
  }
}

function dataOf(event: string): string | null {
  const lines = event.split(/\r?\n/).filter((l) => l.startsWith('data:'));
  if (lines.length === 0) return null;
  return lines.map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n');
}

interface Choice {
  readonly index?: unknown;
  readonly text?: unknown;
  readonly finish_reason?: unknown;
  readonly delta?: { readonly role?: unknown; readonly content?: unknown; readonly tool_calls?: unknown; readonly function_call?: unknown };
}

/**
 * Follows one logical stream across attempts. `accept` sees every whole event of the current
 * attempt and returns what the client gets (the event itself, a rewritten one, or null).
 */
export class StreamTracker {
  /** The completion id the client saw first; continuation chunks are rewritten to it. */
  id: string | null = null;
  private created: unknown = undefined;
  private parts: string[] = [];
  private chars = 0;
  /** Content events sent (one token each, as vLLM streams). */
  tokens = 0;
  /** Why a continuation is no longer possible, or null. */
  blocked: string | null = null;
  /** A final event (`finish_reason`, `[DONE]`) was sent: nothing is left to continue. */
  finished = false;
  private continuing = false;
  private roleDropped = false;

  constructor(
    private readonly kind: StreamKind,
    private readonly maxChars: number,
  ) {}

  get text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0] ?? '';
  }

  /** The next events come from a continuation attempt. */
  startContinuation(): void {
    this.continuing = true;
    this.roleDropped = false;
  }

  accept(event: string): string | null {
    const data = dataOf(event);
    if (data === null) return event;
    if (data.trim() === '[DONE]') {
      this.finished = true;
      return event;
    }
    let chunk: Record<string, unknown>;
    try {
      const v: unknown = JSON.parse(data);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.opaque(event);
      chunk = v as Record<string, unknown>;
    } catch {
      return this.opaque(event);
    }
    if (chunk['error'] !== undefined) return event;
    const choices = Array.isArray(chunk['choices']) ? (chunk['choices'] as Choice[]) : [];
    if (this.continuing && this.isRoleOnly(choices)) return null;
    for (const c of choices) this.observe(c);
    if (!this.continuing) {
      if (this.id === null && typeof chunk['id'] === 'string') [this.id, this.created] = [chunk['id'], chunk['created']];
      return event;
    }
    if (this.id === null || chunk['id'] === this.id) return event;
    return `data: ${JSON.stringify({ ...chunk, id: this.id, ...(this.created === undefined ? {} : { created: this.created }) })}\n\n`;
  }

  private opaque(event: string): string {
    this.blocked ??= 'the stream carries events that are not OpenAI JSON chunks';
    return event;
  }

  /** vLLM opens every chat stream with `{role: "assistant", content: ""}`: once is enough. */
  private isRoleOnly(choices: readonly Choice[]): boolean {
    if (this.kind !== 'chat' || this.roleDropped || choices.length !== 1) return false;
    const c = choices[0];
    const d = c?.delta;
    if (d === undefined || d.role === undefined || (d.content !== undefined && d.content !== '' && d.content !== null)) return false;
    if (c?.finish_reason !== undefined && c.finish_reason !== null) return false;
    this.roleDropped = true;
    return true;
  }

  private observe(c: Choice): void {
    if (c.index !== undefined && c.index !== 0) this.blocked ??= 'several choices are streamed';
    if (c.finish_reason !== undefined && c.finish_reason !== null) this.finished = true;
    const d = c.delta;
    if (d?.tool_calls !== undefined || d?.function_call !== undefined) this.blocked ??= 'a tool call is in flight';
    const piece = this.kind === 'chat' ? d?.content : c.text;
    if (typeof piece !== 'string' || piece === '') return;
    this.tokens += 1;
    this.chars += piece.length;
    if (this.chars > this.maxChars) {
      this.blocked ??= `more than ${this.maxChars} characters were sent (the app's continuationMaxChars)`;
      this.parts = [];
      return;
    }
    if (this.blocked !== null) return;
    this.parts.push(piece);
    // Thousands of one-token strings cost more than their text: fold them now and then.
    if (this.parts.length >= 256) this.parts = [this.parts.join('')];
  }
}

/**
 * Upstream bytes → what the client gets: whole events through the tracker, or — once an event
 * outgrew MAX_EVENT_CHARS (not an OpenAI stream after all) — the bytes untouched, continuation off.
 */
export class ContinuableRelay {
  private splitter: SseEventSplitter | null = new SseEventSplitter();

  constructor(private readonly tracker: StreamTracker) {}

  push(chunk: Buffer): string | Buffer {
    if (this.splitter === null) return chunk;
    const events = this.splitter.push(chunk);
    if (events !== null) return events.map((e) => this.tracker.accept(e) ?? '').join('');
    this.tracker.blocked ??= 'an SSE event longer than 1 MiB';
    // Bytes, not text: the held start of a character must meet its rest in the next chunk.
    const pending = this.splitter.restBytes();
    this.splitter = null;
    return pending;
  }

  /** The unfinished tail, sent as is when the stream ends cleanly. */
  rest(): string {
    return this.splitter?.rest() ?? '';
  }
}
