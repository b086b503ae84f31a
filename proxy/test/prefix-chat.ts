/**
 * Chat requests with a long system prompt, for the inference-aware tests on sim replicas: which
 * replica served each and how many of its prompt tokens came from that replica's prefix cache
 * (the sim's `x-sim-replica` and `x-sim-cached-tokens`, what a real engine's usage reports).
 */
import { request, type Dispatcher } from 'undici';

/** A 600-word system prompt, distinct per `tag`: 592+ cached tokens when it is reused. */
export const systemPrompt = (tag: string): string => Array.from({ length: 600 }, (_, i) => `${tag}-rule-${i}`).join(' ');

export const chatBody = (tag: string, question: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    model: 'demo-llm',
    max_tokens: 2,
    messages: [
      { role: 'system', content: systemPrompt(tag) },
      { role: 'user', content: question },
    ],
    ...extra,
  });

export interface ServedChat {
  readonly status: number;
  readonly replica: string;
  readonly cached: number;
}

/** POSTs `body` to the app's chat completions through `proxyUrl`, reading the whole answer. */
export async function sendChat(proxyUrl: string, app: string, body: string, dispatcher: Dispatcher): Promise<ServedChat> {
  const r = await request(`${proxyUrl}/v4/${app}/v1/chat/completions`, {
    method: 'POST',
    dispatcher,
    body,
    headers: { 'content-type': 'application/json' },
  });
  await r.body.text();
  return { status: r.statusCode, replica: String(r.headers['x-sim-replica']), cached: Number(r.headers['x-sim-cached-tokens']) };
}
