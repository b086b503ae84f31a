/**
 * What a managed stream needs to know about the client's request body, and the body that asks
 * another replica to continue a partial answer. Pure.
 *
 * Continuation follows vLLM / SGLang: for chat, the partial answer is appended as the final
 * assistant message with `continue_final_message: true` and `add_generation_prompt: false`
 * (when the client itself already ended on an assistant message it continues, the text is
 * appended to that message); for `/v1/completions` the text is appended to the prompt. The token
 * limit shrinks by the tokens already sent (one per content event, what vLLM streams).
 *
 * The body is kept as received and parsed again only to continue: a parsed 8 MiB body is several
 * times its size on the heap for the stream's life, and the body allowance counts bytes received.
 */
export type StreamKind = 'chat' | 'completion';

/** What a managed stream decides on; `streamFacts` (on the parse thread for a large body). */
export interface StreamFacts {
  /** `"stream": true` in the JSON body, or `Accept: text/event-stream`. */
  readonly streaming: boolean;
  readonly kind: StreamKind | null;
  /** Why this request cannot be continued on another replica, or null when it can. */
  readonly notContinuable: string | null;
}

export interface StreamRequest extends StreamFacts {
  /** The body as received (sent again on a plain retry, parsed again to continue). */
  readonly raw: Uint8Array;
}

function kindOf(upstreamPath: string): StreamKind | null {
  const path = upstreamPath.split('?')[0] ?? '';
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completion';
  return null;
}

function acceptsEventStream(accept: string | string[] | undefined): boolean {
  const a = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return a.toLowerCase().includes('text/event-stream');
}

function parseObject(raw: Uint8Array): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function whyNot(kind: StreamKind | null, b: Record<string, unknown> | null): string | null {
  if (b === null) return 'the request body is not a JSON object';
  if (kind === null) return 'only chat/completions and completions streams can be continued';
  if (b['n'] !== undefined && b['n'] !== null && b['n'] !== 1) return 'n > 1: several choices cannot be continued';
  if (kind === 'chat' && !Array.isArray(b['messages'])) return '"messages" is not a list';
  if (kind === 'completion' && typeof b['prompt'] !== 'string') return 'only a single string prompt can be continued';
  return null;
}

/** The parts of a buffered request body a managed stream decides on. */
export function streamFacts(upstreamPath: string, accept: string | string[] | undefined, raw: Uint8Array): StreamFacts {
  const body = parseObject(raw);
  const kind = kindOf(upstreamPath);
  return { streaming: body?.['stream'] === true || acceptsEventStream(accept), kind, notContinuable: whyNot(kind, body) };
}

/** `streamFacts` in place (tests, small bodies), with the body kept. */
export function readStreamRequest(upstreamPath: string, accept: string | string[] | undefined, raw: Uint8Array): StreamRequest {
  return { ...streamFacts(upstreamPath, accept, raw), raw };
}

function shrink(b: Record<string, unknown>, key: string, used: number): void {
  const v = b[key];
  if (typeof v === 'number' && Number.isInteger(v)) b[key] = Math.max(1, v - used);
}

/** The request that asks a replica to continue `text` (already sent as `tokens` content events). */
export function continuationBody(req: Pick<StreamRequest, 'kind' | 'raw'>, text: string, tokens: number): Buffer {
  const b: Record<string, unknown> = parseObject(req.raw) ?? {};
  for (const key of ['max_tokens', 'max_completion_tokens']) shrink(b, key, tokens);
  if (req.kind === 'completion') {
    b['prompt'] = `${String(b['prompt'])}${text}`;
    return Buffer.from(JSON.stringify(b));
  }
  const messages = Array.isArray(b['messages']) ? [...(b['messages'] as unknown[])] : [];
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (b['continue_final_message'] === true && last?.role === 'assistant' && typeof last.content === 'string') {
    messages[messages.length - 1] = { ...last, content: last.content + text };
  } else {
    messages.push({ role: 'assistant', content: text });
  }
  b['messages'] = messages;
  b['continue_final_message'] = true;
  b['add_generation_prompt'] = false;
  return Buffer.from(JSON.stringify(b));
}
