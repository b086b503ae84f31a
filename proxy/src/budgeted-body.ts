/**
 * What a token-budgeted app's request body says (prompt size, max tokens, stream, usage asked)
 * and the body the engine gets instead (usage asked for on streams; max tokens lowered to the
 * budget's cap). Pure, so the same code runs on the event loop for small bodies and on the parse
 * thread (body-parse-thread.ts) for large ones, whose parse cost is the sender's to choose.
 */
import { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';
import { renderedPromptHashes } from './prompt-hashes.ts';
import { parseJsonBody, saltParsed, serialised, type SaltKey } from './prompt-cache-salt.ts';

/** Characters per prompt token for the admission estimate (English text ≈ 4); settled to usage. */
const CHARS_PER_TOKEN = 4;

/** What admission needs to know of a budgeted body. */
export interface BodyFacts {
  readonly promptTokens: number;
  readonly maxCompletion: number | null;
  readonly stream: boolean;
  readonly askedUsage: boolean;
}

export interface BudgetedBody {
  readonly facts: BodyFacts;
  /** The body to forward: as received, or with `stream_options.include_usage` added on a stream. */
  readonly bytes: Uint8Array;
  /** The prompt's prefix-block hashes when asked for (an inference-aware app), else null. */
  readonly hashes: readonly number[] | null;
  /** Why the body cannot be salted for its project's prompt cache (a 400), else null. */
  readonly refusal: string | null;
}

/** Where the prompt's hashes are wanted (inference-aware apps): block size and the app (its project salts them). */
export interface PromptHashing {
  readonly blockChars: number;
  readonly appId: string;
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | null {
  const r = parseJsonBody(bytes);
  return r.ok && isObject(r.json) ? r.json : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(json: Record<string, unknown> | null, key: string): number | null {
  const n = json?.[key];
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * The body parsed once: its facts, its prompt's hashes (when asked), the project's prompt-cache
 * salt (when given: prompt-cache-salt.ts) and the stream's usage rewrite.
 */
export function budgetedBody(received: Uint8Array, hashing: PromptHashing | null, salt: SaltKey | null = null): BudgetedBody {
  const parsed = parseJsonBody(received);
  const json = parsed.ok && isObject(parsed.json) ? parsed.json : null;
  // Counted and hashed as the client sent it; forwarded with the salt.
  const text = json === null ? null : renderPrompt(json);
  const opts = json?.['stream_options'];
  const facts: BodyFacts = {
    promptTokens: Math.max(1, Math.ceil((text?.length ?? received.length) / CHARS_PER_TOKEN)),
    maxCompletion: positiveInt(json, 'max_completion_tokens') ?? positiveInt(json, 'max_tokens'),
    stream: json?.['stream'] === true,
    askedUsage: typeof opts === 'object' && opts !== null && (opts as { include_usage?: unknown }).include_usage === true,
  };
  const hashes = hashing === null ? null : renderedPromptHashes(text, hashing.blockChars, hashing.appId);
  const salted = salt === null ? null : parsed.ok ? saltParsed(parsed.json, received, salt) : parsed;
  if (salted !== null && !salted.ok) return { facts, bytes: received, hashes, refusal: salted.message };
  const bytes = salted?.bytes ?? received;
  const sent = salted !== null && isObject(salted.json) ? salted.json : json;
  if (sent === null || !facts.stream || facts.askedUsage) return { facts, bytes, hashes, refusal: null };
  // The engine's own usage settles a stream: ask for it (its chunk is stripped if the client did not).
  const out = { ...sent, stream_options: { ...(typeof opts === 'object' && opts !== null ? opts : {}), include_usage: true } };
  const rewritten = serialised(out);
  if (rewritten === null) return { facts, bytes: received, hashes, refusal: TOO_DEEP };
  return { facts, bytes: Buffer.from(rewritten), hashes, refusal: null };
}

/**
 * The body with its max tokens lowered to `cap`, so the engine itself stops at the budget; null
 * when it is nested too deeply to write out again (the client's 400, `TOO_DEEP`).
 */
export function cappedBody(bytes: Uint8Array, cap: number): Uint8Array | null {
  const json = parseObject(bytes);
  if (json === null) return bytes;
  const out: Record<string, unknown> = { ...json };
  if (json['max_completion_tokens'] !== undefined) out['max_completion_tokens'] = cap;
  if (json['max_tokens'] !== undefined) out['max_tokens'] = cap;
  const text = serialised(out);
  return text === null ? null : Buffer.from(text);
}

/** Why a body that must be rewritten cannot be: JSON.parse reads any depth, JSON.stringify recurses. */
export const TOO_DEEP = 'the request body is nested too deeply to rewrite (usage asked for, max_tokens capped)';

/** Bytes made here or moved back from the parse thread (a plain Uint8Array there) as the Buffer the proxy sends. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
