/**
 * A replica for tests of what waits its turn: it holds the first POST open (the slot or budget
 * unit stays taken) until `releaseHeld()`, and answers every later one at once with `{"call": n}`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingUpstream {
  readonly url: string;
  /** Responses held open so far (the first POST's). */
  readonly held: ServerResponse[];
  /** Answers the held POSTs `{"call":1}`. */
  releaseHeld(): void;
  close(): Promise<void>;
}

export async function startHoldingUpstream(): Promise<HoldingUpstream> {
  const held: ServerResponse[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(200).end('ok');
    const n = ++calls;
    req.resume();
    req.on('end', () => {
      if (n === 1) held.push(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ call: n }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    releaseHeld: () => {
      for (const r of held.splice(0)) r.writeHead(200, { 'content-type': 'application/json' }).end('{"call":1}');
    },
    close: async () => {
      for (const r of held) r.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
