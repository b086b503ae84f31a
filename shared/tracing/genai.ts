/**
 * OpenTelemetry GenAI facts read from an OpenAI-compatible exchange without holding it: the
 * operation from the function path, model and `stream` from the request body (a bounded
 * prefix), token usage from the tail of the response (the final usage chunk of a stream, or
 * the `usage` object of a JSON answer). Pure; callers decide how much to keep.
 */

export type GenAiOperation = 'chat' | 'text_completion' | 'embeddings';

export interface GenAiRequestFacts {
  readonly model: string | null;
  readonly stream: boolean | null;
}

export interface GenAiUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The GenAI operation an OpenAI-style function path performs, or null for anything else. */
export function genAiOperation(fn: string): GenAiOperation | null {
  const path = fn.replace(/^\/+/, '').replace(/^v1\//, '');
  if (path === 'chat/completions') return 'chat';
  if (path === 'completions') return 'text_completion';
  if (path === 'embeddings') return 'embeddings';
  return null;
}

const MODEL = /"model"\s*:\s*"((?:[^"\\]|\\.){1,256})"/;
const STREAM = /"stream"\s*:\s*(true|false)/;

/** Model and `stream` from a request body, whole or cut short (then read by pattern). */
export function genAiRequestFacts(body: string): GenAiRequestFacts {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const { model, stream } = parsed as Record<string, unknown>;
      return {
        model: typeof model === 'string' && model !== '' ? model.slice(0, 256) : null,
        stream: typeof stream === 'boolean' ? stream : false,
      };
    }
    return { model: null, stream: null };
  } catch {
    const model = MODEL.exec(body)?.[1] ?? null;
    const stream = STREAM.exec(body)?.[1];
    return { model, stream: stream === undefined ? null : stream === 'true' };
  }
}

const count = (text: string, names: readonly string[]): number | null => {
  for (const name of names) {
    const m = new RegExp(`"${name}"\\s*:\\s*(\\d{1,12})`).exec(text);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return null;
};

/**
 * Token usage from the end of a response: the last `"usage"` object's prompt/completion (or
 * input/output) token counts, or null when the answer carried none (e.g. a stream without
 * `stream_options.include_usage`).
 */
export function genAiUsageFromTail(tail: string): GenAiUsage | null {
  const at = tail.lastIndexOf('"usage"');
  if (at < 0) return null;
  const rest = tail.slice(at, at + 2048);
  if (/^"usage"\s*:\s*null/.test(rest)) return null;
  const inputTokens = count(rest, ['prompt_tokens', 'input_tokens']);
  const outputTokens = count(rest, ['completion_tokens', 'output_tokens']);
  if (inputTokens === null && outputTokens === null) return null;
  return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
}

/** Seconds per output token after the first (the decode rate), or null when it cannot be known. */
export function timePerOutputTokenSeconds(firstChunkMs: number, endMs: number, outputTokens: number): number | null {
  if (outputTokens < 2 || !(endMs >= firstChunkMs)) return null;
  return (endMs - firstChunkMs) / 1000 / (outputTokens - 1);
}
