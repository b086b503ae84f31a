/**
 * `switchyard proxy` (one process) that cannot start exits with its startup error and status 1 by
 * itself, its libSQL connection closed. The CLI sets the exit status and lets the event loop end;
 * with a libSQL URL over WebSocket (`ws://`, and `libsql://`, Turso's) the client's socket kept
 * it running forever after printing the error, on a bad JWKS as on a port already in use. The
 * libSQL server here is a WebSocket endpoint that speaks no further than the client's hello: what
 * matters is whether the proxy's connection to it is left open. A libSQL that refuses the token
 * (a real Hrana endpoint with another token) failed the start only once the proxy listened: it
 * printed "proxy failed (unauthorized)" and kept its listeners open, running forever.
 */
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHranaServer, type HranaServer } from '../../control/hrana/server.ts';
import { migrate } from '../../control/store/index.ts';
import { openStore } from '../../control/store/open-store.ts';
import { APP } from './harness.ts';
import { runProxyCli } from './proxy-cli-run.ts';

describe('a one-process proxy that cannot start', () => {
  let libsql: WebSocketServer;
  let libsqlUrl: string;
  let endpointsFile: string;
  let dir: string;
  const open = new Set<unknown>();
  let connections = 0;
  beforeAll(async () => {
    libsql = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (offered) => [...offered][0] ?? false });
    libsql.on('connection', (ws) => {
      connections += 1;
      open.add(ws);
      ws.on('close', () => open.delete(ws));
    });
    await once(libsql, 'listening');
    libsqlUrl = `ws://127.0.0.1:${(libsql.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'sy-proxy-start-'));
    endpointsFile = join(dir, 'endpoints.json');
    await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ app: APP, cluster: 'c1', url: 'http://127.0.0.1:9' }] }));
  });
  afterAll(() => new Promise<void>((r) => libsql.close(() => r())));

  // Startup alone takes 1–4 s on a loaded machine; a run left open was killed here.
  const WAIT_MS = 20_000;

  it('on a bad JWKS, says which key is wrong and exits 1', async () => {
    const run = await runProxyCli(
      { LIBSQL_URL: libsqlUrl, PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_PORT: '0', PROXY_JWKS: '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}' },
      WAIT_MS,
    );
    expect(run.stderr).toContain('PROXY_JWKS: verification key #0: expected an Ed25519 key');
    expect(run.code).toBe(1);
    expect(run.exitAfterErrorMs).toBeLessThan(2000);
    expect(open.size).toBe(0);
  }, 60_000);

  it('on a port in use, says so and exits 1 with its libSQL connection closed', async () => {
    const before = connections;
    const port = (libsql.address() as AddressInfo).port;
    const run = await runProxyCli(
      { LIBSQL_URL: libsqlUrl, PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_PORT: String(port), PROXY_HOST: '127.0.0.1', PROXY_AUTH_DISABLED: 'true' },
      WAIT_MS,
    );
    expect(run.stderr).toContain('EADDRINUSE');
    expect(run.code).toBe(1);
    expect(run.exitAfterErrorMs).toBeLessThan(2000);
    // It had connected (the client opens its socket at once), and closed that connection.
    expect(connections).toBeGreaterThan(before);
    await waitUntil(() => open.size === 0);
  }, 60_000);

  // One process, and a primary with two workers (`switchyard proxy`'s default): the worker that
  // recovers jobs failed, and the primary waited for it forever.
  it.each([1, 2])('on a libSQL that refuses its token, says so and exits 1 (%i worker(s))', async (workers) => {
    const dbPath = join(dir, `refusing-${workers}.db`);
    const setup = openStore({ url: `file:${dbPath}` });
    await migrate(setup.client, { now: Date.now() });
    setup.close();
    const hrana: HranaServer = await startHranaServer({ dbPath, port: 0, authToken: 'the-right-token-0123456789' });
    try {
      const run = await runProxyCli(
        { LIBSQL_URL: hrana.url, LIBSQL_AUTH_TOKEN: 'a-wrong-token-0123456789', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true' },
        // Three processes start under tsx: on a loaded machine that alone took 16 s.
        workers === 1 ? WAIT_MS : 45_000,
        workers,
      );
      expect(run.stderr).toContain('(unauthorized)');
      expect(run.stderr).toContain('LIBSQL_AUTH_TOKEN');
      expect(run.code).toBe(1);
      // A sibling worker that did start drains (no requests) before the primary exits.
      expect(run.exitAfterErrorMs).toBeLessThan(5000);
    } finally {
      await hrana.close();
    }
  }, 90_000);
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}
