/**
 * The prompt of an OpenAI-style request body as one string, for prefix hashing: everything
 * that decides what an engine can reuse from its KV cache, in the order the engine sees it.
 * The model (a LoRA adapter is selected by model name) and any `cache_salt` (vLLM) come
 * first, so equal text under another model or salt never shares a prefix. Pure.
 */

/** Separates fields so ("ab","c") and ("a","bc") render differently. */
const SEP = '\u0000';

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === null || content === undefined ? '' : null;
  let out = '';
  for (const part of content) {
    if (typeof part !== 'object' || part === null) return null;
    const p = part as { text?: unknown; image_url?: { url?: unknown } };
    if (typeof p.text === 'string') out += p.text;
    else if (typeof p.image_url?.url === 'string') out += `${SEP}img:${p.image_url.url}`;
  }
  return out;
}

function messagesText(messages: unknown): string | null {
  if (!Array.isArray(messages) || messages.length === 0) return null;
  let out = '';
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content } = m as { role?: unknown; content?: unknown };
    const text = contentText(content);
    if (typeof role !== 'string' || text === null) return null;
    out += `${SEP}${role}${SEP}${text}`;
  }
  return out;
}

function promptText(prompt: unknown): string | null {
  if (typeof prompt === 'string') return prompt;
  if (!Array.isArray(prompt) || prompt.length === 0) return null;
  if (prompt.every((p) => typeof p === 'string')) return prompt.join(SEP);
  // Pre-tokenised prompts: the ids themselves are the prefix.
  if (prompt.every((p) => typeof p === 'number')) return prompt.join(',');
  return null;
}

/**
 * The rendered prompt of a chat (`messages`) or completion (`prompt`) body, or null when the
 * body has neither in a form we understand (then the choice is by load alone).
 */
export function renderPrompt(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const text = b['messages'] !== undefined ? messagesText(b['messages']) : promptText(b['prompt']);
  if (text === null) return null;
  const model = typeof b['model'] === 'string' ? b['model'] : '';
  const salt = typeof b['cache_salt'] === 'string' ? b['cache_salt'] : '';
  return `${model}${SEP}${salt}${SEP}${text}`;
}
