/**
 * The token-budget view of an OpenAI-style SSE stream, pure: splits events, counts completion
 * tokens (one per content chunk, as engines stream them), finds the engine's usage chunk, strips
 * it (and the `"usage": null` the request made every chunk carry) when the proxy asked for it
 * and the client did not, and cuts the stream with an OpenAI-format error event at the budget.
 */
import { MAX_SSE_EVENT_CHARS } from '../http/sse-event-limit.ts';
import type { TokenCount } from './token-budget.ts';

export type SseEvent =
  | { readonly kind: 'content'; readonly tokens: number }
  | { readonly kind: 'finish'; readonly tokens: number; readonly reason: string }
  | { readonly kind: 'usage'; readonly usage: TokenCount }
  | { readonly kind: 'done' }
  | { readonly kind: 'other' };

/** The blank line ending an event, searched for in one chunk (and the few characters before it). */
const SEPARATORS = /\r?\n\r?\n/g;
/** A separator is at most 4 characters: this many of the text before a chunk may begin one. */
const CARRY = 3;

function dataOf(event: string): string | null {
  let data: string | null = null;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const v = line.slice(line.startsWith('data: ') ? 6 : 5);
    data = data === null ? v : `${data}\n${v}`;
  }
  return data;
}

function usageOf(v: unknown): TokenCount | null {
  if (typeof v !== 'object' || v === null) return null;
  const u = v as { prompt_tokens?: unknown; completion_tokens?: unknown };
  if (typeof u.prompt_tokens !== 'number' || typeof u.completion_tokens !== 'number') return null;
  return { prompt: u.prompt_tokens, completion: u.completion_tokens };
}

/** What one SSE event (without its trailing blank line) is to the budget. */
export function classifyEvent(event: string): SseEvent {
  const data = dataOf(event);
  if (data === null) return { kind: 'other' };
  if (data.trim() === '[DONE]') return { kind: 'done' };
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return { kind: 'other' };
  }
  if (typeof v !== 'object' || v === null) return { kind: 'other' };
  const o = v as { choices?: unknown; usage?: unknown };
  const usage = usageOf(o.usage);
  if (!Array.isArray(o.choices)) return { kind: 'other' };
  if (o.choices.length === 0) return usage === null ? { kind: 'other' } : { kind: 'usage', usage };
  const c = o.choices[0] as { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown } | null;
  const text = c?.delta?.content ?? c?.text;
  const tokens = typeof text === 'string' && text !== '' ? 1 : 0;
  const reason = c?.finish_reason;
  if (typeof reason === 'string') return { kind: 'finish', tokens, reason };
  return { kind: 'content', tokens };
}

export function budgetErrorEvent(message: string): string {
  const error = { message, type: 'tokens', param: null, code: 'token_budget_exceeded' };
  return `data: ${JSON.stringify({ error })}\n\n`;
}

export interface FilterOptions {
  /** The client asked for `stream_options.include_usage` itself: its usage chunk passes. */
  readonly clientAskedUsage: boolean;
  /** The proxy lowered max_tokens to this: a `length` finish at it is the budget's cut. */
  readonly completionCap: number | null;
  /** Completion tokens reserved at admission; beyond them each token is drawn. */
  readonly reservedCompletion: number;
  /** Take one more completion token from the budget; false = the budget is spent. */
  readonly draw: () => boolean;
  /** The error event's message (a function: which budget cut is known only at the cut). */
  readonly cutMessage: string | (() => string);
}

export interface FilterOutput {
  readonly out: string;
  /** The budget ran out mid-stream: end the client's stream after `out` and stop the upstream. */
  readonly cut: boolean;
}

/** Feed upstream text in, get what the client sees. One instance per stream. */
export class SseUsageFilter {
  /**
   * The unfinished event, in the pieces it came in: joined once, when it ends. Joining it with each
   * chunk and splitting the whole again cost its length per chunk: a replica's 16 MiB event with
   * no blank line held the event loop every tenant shares for 2 s, and its memory grew unbounded.
   */
  private pending: string[] = [];
  private pendingChars = 0;
  /** The last characters seen (at most `CARRY`): a separator split between chunks begins there. */
  private carry = '';
  /** An event longer than `MAX_SSE_EVENT_CHARS` is passed on as it comes, up to its end. */
  private passing = false;
  /** Completion tokens seen (content chunks). */
  counted = 0;
  drawn = 0;
  usage: TokenCount | null = null;
  /** The stream ended at the budget (cut, or the engine stopped at the proxy's cap). */
  cutAtBudget = false;
  private cappedFinish = false;

  constructor(private readonly o: FilterOptions) {}

  /** Each chunk is scanned once (with the carry), whatever the length of the event it continues. */
  push(text: string): FilterOutput {
    const window = this.carry + text;
    const offset = this.carry.length;
    let out = '';
    /** Where this chunk's part of the current event starts (the carry is already held or sent). */
    let from = offset;
    /** The end of the last separator found (the carry may hold only what follows it). */
    let lastEnd = 0;
    SEPARATORS.lastIndex = 0;
    for (let m = SEPARATORS.exec(window); m !== null; m = SEPARATORS.exec(window)) {
      const end = m.index + m[0].length;
      if (this.passing) {
        out += window.slice(from, end);
        this.passing = false;
      } else {
        const r = this.event(this.takeEvent(window, from, m.index, offset));
        if (r === 'cut') return { out: out + budgetErrorEvent(this.message()), cut: true };
        out += r;
      }
      from = end;
      lastEnd = end;
    }
    out += this.hold(window.slice(from));
    this.carry = window.slice(Math.max(lastEnd, window.length - CARRY));
    return { out, cut: false };
  }

  /** The upstream ended: anything left over, and the error event when the engine stopped at the cap. */
  end(): string {
    const rest = this.pending.join('');
    this.clearPending();
    this.carry = '';
    const tail = this.passing || rest === '' ? '' : this.event(rest);
    this.passing = false;
    const out = tail === 'cut' ? '' : tail;
    return this.cappedFinish ? out + budgetErrorEvent(this.message()) : out;
  }

  /** The event ending at `sepAt` of this window: what was pending, up to the separator (which may begin in the carry). */
  private takeEvent(window: string, from: number, sepAt: number, offset: number): string {
    const held = this.pending.join('');
    this.clearPending();
    if (sepAt < offset) return held.slice(0, held.length - (offset - sepAt));
    return held + window.slice(from, sepAt);
  }

  /** Keeps the start of an unfinished event; past the limit it goes out as it is, as does the rest of it. */
  private hold(text: string): string {
    if (this.passing) return text;
    if (text === '') return '';
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars <= MAX_SSE_EVENT_CHARS) return '';
    // No OpenAI chunk is this long (its usage chunk and [DONE] are tiny): not read, not counted.
    this.passing = true;
    const out = this.pending.join('');
    this.clearPending();
    return out;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingChars = 0;
  }

  private message(): string {
    return typeof this.o.cutMessage === 'string' ? this.o.cutMessage : this.o.cutMessage();
  }

  private event(e: string): string | 'cut' {
    if (e.trim() === '') return '';
    const ev = classifyEvent(e);
    if (ev.kind === 'usage') {
      this.usage = ev.usage;
      return this.o.clientAskedUsage ? `${e}\n\n` : '';
    }
    if (ev.kind === 'done') return this.cappedFinish ? '' : `${e}\n\n`;
    if (ev.kind === 'other') return `${e}\n\n`;
    if (ev.tokens > 0 && !this.take(ev.tokens)) {
      this.cutAtBudget = true;
      return 'cut';
    }
    const shown = this.o.clientAskedUsage ? e : e.replace(/,\s*"usage"\s*:\s*null/, '');
    const cap = this.o.completionCap;
    if (ev.kind === 'finish' && ev.reason === 'length' && cap !== null && this.counted >= cap) {
      // The engine stopped at the budget's cap, not at the client's max_tokens: an error, not a finish.
      this.cappedFinish = true;
      this.cutAtBudget = true;
      return '';
    }
    return `${shown}\n\n`;
  }

  private take(n: number): boolean {
    for (let i = 0; i < n; i += 1) {
      if (this.counted >= this.o.reservedCompletion + this.drawn) {
        if (!this.o.draw()) return false;
        this.drawn += 1;
      }
      this.counted += 1;
    }
    return true;
  }
}
