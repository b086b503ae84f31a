/**
 * Issue 14 #1 + #2 together: a continuation replica prefills the whole prompt plus the partial
 * answer before its first token — as long as the first replica took, or longer. For an app with
 * heartbeats, the stream must keep beating during that wait, or an idle-cutting middlebox
 * (Cloudflare: 100 s) cuts the very stream the continuation saves.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startTestProxy } from './harness.ts';

const HEARTBEAT_MS = 100;
// Long beside the beat, so a beat late by most of a second on a loaded machine is still told
// apart from a silent prefill (the gap then is the whole prefill; at 900 ms a beat 350 ms late
// failed it).
const CONTINUATION_PREFILL_MS = 2_000;

const chunk = (content: string, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** First call: one token, then the replica dies. A continuation: a long prefill, then the rest. */
function replica(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/health') return void res.end('ok');
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const continuing = (JSON.parse(Buffer.concat(parts).toString('utf8')) as { continue_final_message?: boolean }).continue_final_message === true;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (!continuing) return void res.write(chunk('Hello'), () => setTimeout(() => res.socket?.destroy(), 20));
    setTimeout(() => res.end(`${chunk(' world')}${chunk('', 'stop')}data: [DONE]\n\n`), CONTINUATION_PREFILL_MS);
  });
}

describe('a continuation keeps heartbeating until its first token', () => {
  let servers: Server[];
  let proxy: RunningProxy;
  beforeAll(async () => {
    servers = [createServer(replica), createServer(replica)];
    const urls = await Promise.all(
      servers.map(async (s) => {
        await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
        return { cluster: 'c1', url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
      }),
    );
    proxy = await startTestProxy({
      endpoints: urls,
      apps: [{ id: APP, requests: { streams: { heartbeats: true, heartbeatIntervalMs: HEARTBEAT_MS, continuation: true } } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('beats between the dead replica’s last token and the continuation’s first', async () => {
    const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ stream: true }) });
    expect(r.status).toBe(200);
    expect(r.body).toContain('continued on c1');
    const between = r.body.slice(r.body.indexOf('Hello'), r.body.indexOf(' world'));
    expect(between.split(': heartbeat\n\n').length - 1).toBeGreaterThanOrEqual(3);
    // No client-visible gap near the prefill's length.
    const gaps = r.chunks.slice(1).map((c, i) => c.at - (r.chunks[i]?.at ?? 0));
    expect(Math.max(...gaps)).toBeLessThan(CONTINUATION_PREFILL_MS / 2);
    expect(r.body).toContain('data: [DONE]');
  });
});
