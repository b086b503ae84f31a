/**
 * A replica that holds streams open, and a client that opens them: the in-flight budget's tests
 * fill the proxy with held work and see who else still gets in.
 */
import { request, createServer, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** A replica that holds every `/v1/hold` stream open (one event, then nothing) and answers the rest at once. */
export async function holdingReplica(): Promise<{ url: string; seen: () => number; close: () => Promise<void> }> {
  let seen = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/health') return void res.end('ok');
    seen += 1;
    if (req.url?.startsWith('/v1/hold') === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: held\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    seen += 1;
    ws.send('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: () => seen,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Opened {
  readonly status: number;
  readonly res: IncomingMessage;
  readonly req: ClientRequest;
  readonly body: Promise<string>;
}

/**
 * Opens a GET (or, with `json`, a POST of it) and resolves at its answer's head (the stream stays
 * held until `req.destroy()`).
 */
export function open(base: string, path: string, json?: string): Promise<Opened> {
  const post = json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) } };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'GET', agent: false, ...post }, (res) => {
      res.setEncoding('utf8');
      let text = '';
      const body = new Promise<string>((done) => {
        res.on('data', (c: string) => (text += c));
        res.on('close', () => done(text));
        res.on('error', () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, res, req, body });
    });
    req.on('error', reject);
    req.end(json);
  });
}


/** POSTs a long streamed chat (4,000 tokens) to `app` and resolves at the answer's head. */
export function openChatStream(base: string, app: string): Promise<Opened> {
  const payload = JSON.stringify({ model: 'demo-llm', max_tokens: 4000, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  return open(base, `/v4/${app}/v1/chat/completions`, payload);
}

/**
 * Opens `app`'s chat streams one after another, pushing each served one onto `held`, until one is
 * refused (returned) or `tries` were served (null).
 */
export async function floodUntilRefused(base: string, app: string, tries: number, held: Opened[]): Promise<Opened | null> {
  for (let i = 0; i < tries; i += 1) {
    const o = await openChatStream(base, app);
    if (o.status !== 200) return o;
    held.push(o);
  }
  return null;
}
