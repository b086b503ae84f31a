/**
 * OpenAI wire shapes for responses and stream chunks, built exactly as the
 * official API sends them so the `openai` SDK parses them unmodified. Pure:
 * ids and timestamps are passed in.
 */
import type { InferenceKind } from './inference-request.ts';

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface ResponseMeta {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

const WORDS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.'];

/** The text of token `i`: deterministic so tests can predict whole answers. */
export function tokenText(i: number): string {
  return WORDS[i % WORDS.length] ?? '';
}

/** The whole answer of `count` tokens. */
export function answerText(count: number): string {
  let s = '';
  for (let i = 0; i < count; i += 1) s += tokenText(i);
  return s;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function responseId(kind: InferenceKind, n: number, replicaId: string): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-sim-${replicaId}-${n}`;
}

/** A non-streaming response body. */
export function completionResponse(kind: InferenceKind, meta: ResponseMeta, text: string, finishReason: string, u: Usage): object {
  if (kind === 'chat') {
    return {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason }],
      usage: u,
      system_fingerprint: null,
    };
  }
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage: u,
    system_fingerprint: null,
  };
}

/**
 * One stream chunk. `text` null with `finishReason` set is the closing chunk;
 * `role` is sent only on a chat stream's first chunk.
 */
export function streamChunk(
  kind: InferenceKind,
  meta: ResponseMeta,
  part: { readonly text: string | null; readonly finishReason: string | null; readonly role?: boolean },
  includeUsage: boolean,
): object {
  const base = { id: meta.id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: meta.created, model: meta.model, system_fingerprint: null };
  // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
  const tail = includeUsage ? { usage: null } : {};
  if (kind === 'chat') {
    const delta = part.role === true ? { role: 'assistant', content: part.text ?? '' } : part.text === null ? {} : { content: part.text };
    return { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: part.finishReason }], ...tail };
  }
  return { ...base, choices: [{ index: 0, text: part.text ?? '', logprobs: null, finish_reason: part.finishReason }], ...tail };
}

/** The final usage-only chunk sent when `stream_options.include_usage` is true. */
export function usageChunk(kind: InferenceKind, meta: ResponseMeta, u: Usage): object {
  return {
    id: meta.id,
    object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [],
    usage: u,
  };
}

/** One server-sent event carrying a JSON payload. */
export function sseData(payload: object | '[DONE]'): string {
  return `data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`;
}
