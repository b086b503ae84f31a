/**
 * vLLM-style continuation and a slow first token for the simulator (issue 14). Pure except
 * `waitFirstToken`.
 *
 * * Chat: `continue_final_message: true` continues the last message instead of starting a new
 *   assistant turn; like vLLM it needs `add_generation_prompt: false` (vLLM's default is true,
 *   and both true is a 400). Completions: a prompt that ends with the simulator's own answer
 *   text continues it. Either way the generation starts at the token after the partial answer,
 *   so a continued stream's tokens carry on the numbering (`tokenText(k)`, `tokenText(k+1)` …).
 * * `firstTokenDelayMs` (control field): headers at once, then nothing for that long, then the
 *   tokens — what a long prefill looks like behind vLLM.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidRequest, type SimHttpError } from './errors.ts';
import type { InferenceKind } from './inference-request.ts';
import { tokenText } from './openai-format.ts';

/** Longest partial answer recognised (tokens); longer ones start from their word count. */
const MAX_RECOGNISED_TOKENS = 100_000;

/** How many of the simulator's tokens `text` is (exact prefix of the deterministic answer), or null. */
export function tokensOfAnswer(text: string): number | null {
  let built = '';
  for (let i = 0; i < MAX_RECOGNISED_TOKENS && built.length < text.length; i += 1) {
    built += tokenText(i);
    if (!text.startsWith(built)) return null;
    if (built.length === text.length) return i + 1;
  }
  return text === '' ? 0 : null;
}

/** Token count of an answer a prompt ends with (completions), or 0. */
function tokensAtEnd(prompt: string): number {
  let built = '';
  let best = 0;
  for (let i = 0; i < MAX_RECOGNISED_TOKENS && built.length < prompt.length; i += 1) {
    built += tokenText(i);
    if (prompt.endsWith(built)) best = i + 1;
  }
  return best;
}

function words(text: string): number {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/** The index of the first token to generate, or a 400 for a continuation vLLM would refuse. */
export function continuationStart(kind: InferenceKind, body: unknown): number | SimHttpError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (kind === 'completion') return typeof b['prompt'] === 'string' ? tokensAtEnd(b['prompt']) : 0;
  if (b['continue_final_message'] !== true) return 0;
  if (b['add_generation_prompt'] !== false) {
    return invalidRequest('add_generation_prompt', 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.');
  }
  const messages = Array.isArray(b['messages']) ? (b['messages'] as unknown[]) : [];
  const content = (messages.at(-1) as { content?: unknown } | undefined)?.content;
  if (typeof content !== 'string') return 0;
  return tokensOfAnswer(content) ?? words(content);
}

/** The replica's `firstTokenDelayMs`, after the stream's headers (aborts with the request). */
export async function waitFirstToken(delayMs: number, signal: AbortSignal): Promise<void> {
  if (delayMs > 0) await sleep(delayMs, undefined, { signal });
}
