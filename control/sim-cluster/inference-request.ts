/**
 * Parses `/v1/chat/completions` and `/v1/completions` bodies (and WebSocket
 * prompts) into what the simulator needs: how many tokens to generate, whether
 * to stream, and how many prompt tokens to report. Pure.
 */
import { invalidRequest, type SimHttpError } from './errors.ts';

export type InferenceKind = 'chat' | 'completion';

export interface InferenceRequest {
  readonly kind: InferenceKind;
  readonly stream: boolean;
  /** `stream_options.include_usage`: a final chunk carries usage. */
  readonly includeUsage: boolean;
  readonly maxTokens: number;
  /** `length` when the client's `max_tokens` cut the answer; `stop` for a natural end. */
  readonly finishReason: 'stop' | 'length';
  readonly promptTokens: number;
}

type Parsed = { ok: true; request: InferenceRequest } | { ok: false; error: SimHttpError };

const MAX_TOKENS_LIMIT = 1_000_000;

/** Whitespace-separated words: a stand-in for a tokenizer, stable across runs. */
export function countWords(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

function messageTokens(messages: readonly unknown[]): number | SimHttpError {
  let total = 0;
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string') {
      return invalidRequest(`messages[${i}]`, `messages[${i}] must be an object with a string "role".`);
    }
    const content = (m as { content?: unknown }).content;
    if (typeof content === 'string') total += countWords(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        const t = (part as { text?: unknown } | null)?.text;
        if (typeof t === 'string') total += countWords(t);
      }
    } else if (content !== null && content !== undefined) {
      return invalidRequest(`messages[${i}].content`, `messages[${i}].content must be a string, an array of parts, or null.`);
    }
  }
  return total;
}

function promptTokens(prompt: unknown): number | SimHttpError {
  if (typeof prompt === 'string') return countWords(prompt);
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === 'string')) return prompt.reduce((n, p: string) => n + countWords(p), 0);
    // Pre-tokenised prompts: one number per token.
    if (prompt.every((p) => typeof p === 'number')) return prompt.length;
  }
  return invalidRequest('prompt', '"prompt" must be a string, an array of strings or an array of token ids.');
}

function maxTokensOf(body: Record<string, unknown>, field: string): number | null | SimHttpError {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TOKENS_LIMIT) return v;
  return invalidRequest(field, `"${field}" must be an integer from 1 to ${MAX_TOKENS_LIMIT}.`);
}

/** Parses one request body of the given kind. */
export function parseInferenceRequest(kind: InferenceKind, body: unknown, defaultMaxTokens: number): Parsed {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: invalidRequest('body', 'Request body must be a JSON object.') };
  }
  const b = body as Record<string, unknown>;
  let prompt: number | SimHttpError;
  if (kind === 'chat') {
    const messages = b['messages'];
    prompt =
      Array.isArray(messages) && messages.length > 0
        ? messageTokens(messages)
        : invalidRequest('messages', '"messages" must be a non-empty array.');
  } else {
    prompt = promptTokens(b['prompt']);
  }
  if (typeof prompt !== 'number') return { ok: false, error: prompt };

  const stream = b['stream'] ?? false;
  if (typeof stream !== 'boolean') return { ok: false, error: invalidRequest('stream', '"stream" must be true or false.') };
  const n = b['n'] ?? 1;
  if (n !== 1) return { ok: false, error: invalidRequest('n', 'The simulator generates one choice: "n" must be 1.') };
  const opts = b['stream_options'];
  const includeUsage = typeof opts === 'object' && opts !== null && (opts as { include_usage?: unknown }).include_usage === true;

  // Chat prefers the newer name; both are honoured as OpenAI does.
  const requested = kind === 'chat' ? (maxTokensOf(b, 'max_completion_tokens') ?? maxTokensOf(b, 'max_tokens')) : maxTokensOf(b, 'max_tokens');
  if (requested !== null && typeof requested !== 'number') return { ok: false, error: requested };
  return {
    ok: true,
    request: {
      kind,
      stream,
      includeUsage,
      maxTokens: requested ?? defaultMaxTokens,
      finishReason: requested === null ? 'stop' : 'length',
      promptTokens: prompt,
    },
  };
}
