/**
 * An HTTP relay in front of a real libSQL (Hrana over HTTP) server that holds, unanswered, every
 * request whose body matches `hold` until `release()` — a database that is slow for those
 * statements only — and forwards every other request at once. Tests use it to make one client's
 * reads occupy the store client's request slots while they watch what other work still gets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface HoldingRelay {
  readonly url: string;
  /** Requests held unanswered right now. */
  readonly held: number;
  /** Requests whose body matched `hold` since the start (held or released). */
  readonly matched: number;
  /** Forward every held request (and stop holding new ones until `holdAgain`). */
  release(): void;
  holdAgain(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * `slowMs`: once released, each matching request is still forwarded that much later (a database
 * that is slow for those statements, not stopped).
 */
export async function startHoldingRelay(target: string, hold: (body: string) => boolean, slowMs = 0): Promise<HoldingRelay> {
  const waiting = new Set<() => void>();
  let holding = true;
  let matched = 0;
  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const { host: _host, connection: _c, 'content-length': _l, ...headers } = req.headers;
    const up = await request(`${target}${req.url ?? '/'}`, { method: (req.method ?? 'GET') as 'GET', headers, body: body.length === 0 ? null : body });
    const answer = Buffer.from(await up.body.arrayBuffer());
    res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
    res.end(answer);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (hold(body.toString('utf8'))) {
        matched += 1;
        if (holding) {
          await new Promise<void>((resolve) => {
            waiting.add(resolve);
            // The client gave up (its own timeout): nothing to forward.
            res.once('close', () => (waiting.delete(resolve), resolve()));
          });
          if (res.destroyed) return;
        } else if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
      }
      await forward(req, res, body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get held() {
      return waiting.size;
    },
    get matched() {
      return matched;
    },
    release() {
      holding = false;
      for (const go of [...waiting]) go();
      waiting.clear();
    },
    holdAgain() {
      holding = true;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
