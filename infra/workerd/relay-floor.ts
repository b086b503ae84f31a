/**
 * The floor under "≤ 1 ms added for edge + proxy": what the two runtimes the stack is built on
 * cost when they do nothing but relay. A bare workerd Worker (`fetch()` the request onward, no
 * routing, no logging) and a bare Node relay (node:http server, undici pool, body piped) sit
 * in front of the same simulated replica as "direct" in bench-first-chunk.ts, in the same run.
 * Whatever these add is the runtimes' own cost, which no routing code can take back.
 * The target is named per request (`x-relay-to`), so both relay to the replica that served the
 * routed request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { workerdBinary } from './build-edge.ts';

export const RELAY_TO = 'x-relay-to';

const RELAY_WORKER = `export default {
  async fetch(req) {
    const to = req.headers.get('${RELAY_TO}');
    const u = new URL(req.url);
    return fetch(to + u.pathname + u.search, { method: req.method, headers: req.headers, body: req.body });
  },
};
`;

const relayConfig = (address: string): string => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "relay", worker = .relay),
    (name = "internet", network = (allow = ["public", "private"])),
  ],
  sockets = [(name = "http", address = ${JSON.stringify(address)}, http = (), service = "relay")],
);
const relay :Workerd.Worker = (
  modules = [(name = "relay.js", esModule = embed "relay.js")],
  compatibilityDate = "2026-04-21",
);
`;

export interface Relay {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a bare workerd relay on 127.0.0.1:port (config and script written to `dir`). */
export async function startWorkerdRelay(dir: string, port: number): Promise<Relay> {
  await writeFile(join(dir, 'relay.js'), RELAY_WORKER);
  await writeFile(join(dir, 'relay.capnp'), relayConfig(`127.0.0.1:${port}`));
  const child: ChildProcess = spawn(workerdBinary(), ['serve', join(dir, 'relay.capnp')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, () => (child.exitCode === null ? null : `workerd relay exited ${child.exitCode}: ${stderr}`));
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Starts a bare Node relay: node:http in, one undici pool per target out, bodies piped. */
export async function startNodeRelay(port: number): Promise<Relay> {
  const pool = new Agent({ keepAliveTimeout: 60_000, connections: 8 });
  const server: Server = createServer((req, res) => {
    const to = String(req.headers[RELAY_TO] ?? '');
    const headers = { ...req.headers };
    delete headers[RELAY_TO];
    delete headers['connection'];
    delete headers['host'];
    request(to + (req.url ?? '/'), { method: (req.method ?? 'GET') as 'POST', headers, body: req, dispatcher: pool })
      .then((up) => {
        res.writeHead(up.statusCode, up.headers as Record<string, string>);
        up.body.on('data', (c: Buffer) => res.write(c));
        up.body.on('end', () => res.end());
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}

/** Waits until the port accepts a connection (a request would relay to wherever it names). */
async function waitUp(url: string, failed: () => string | null): Promise<void> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const why = failed();
    if (why !== null) throw new Error(why);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(Number(port), hostname, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${url} did not come up in 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
