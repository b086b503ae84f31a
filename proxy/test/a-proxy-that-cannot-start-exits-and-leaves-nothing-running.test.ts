/**
 * `switchyard proxy` that cannot start (a port in use, an unusable TLS certificate, a libSQL that
 * refuses it), as a cluster of workers or one process, prints one line naming the cause, exits 1
 * promptly, and leaves no worker process and nothing listening.
 * It used to print the error and run on: a cluster with its admin port in use stayed up with its
 * workers serving traffic and no metrics or health; with its traffic port in use every worker
 * printed the error and the primary waited for them forever; one process that failed after its
 * traffic port was open (admin port in use, libSQL refusing the first write) kept that port open.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../control/dev/free-port.ts';
import { APP } from './harness.ts';
import { everyProxyCliChild, runProxyCli } from './proxy-cli-run.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when `port` can be listened on again (nothing of the proxy holds it). */
async function isFree(port: number): Promise<boolean> {
  const s = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise<void>((r) => s.close(() => r()));
  return ok;
}

describe('a proxy that cannot start', () => {
  let taken: Server;
  let takenPort: number;
  let endpointsFile: string;
  let garbageFile: string;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    takenPort = (taken.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-failed-start-'));
    endpointsFile = join(dir, 'endpoints.json');
    garbageFile = join(dir, 'garbage.pem');
    await writeFile(garbageFile, 'not a pem\n');
    await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ app: APP, cluster: 'c1', url: 'http://127.0.0.1:9' }] }));
  });
  // A run that hung left its workers behind: none outlives the file.
  afterEach(() => {
    for (const pid of everyProxyCliChild) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  afterAll(() => new Promise<void>((r) => taken.close(() => r())));

  // Startup alone takes 1–4 s on an idle machine; three processes under tsx took over 20 s with
  // the whole proxy suite running beside them. A run left open (the defect) is killed here.
  const WAIT_MS = 45_000;

  const ADMIN_IN_USE = ['the admin listener (metrics, health) cannot listen on 127.0.0.1:TAKEN', 'EADDRINUSE', 'PROXY_ADMIN_PORT'];
  it.each([
    { workers: 2, name: 'its admin port in use', where: 'admin', says: ADMIN_IN_USE },
    { workers: 2, name: 'its traffic port in use', where: 'traffic', says: ['the proxy cannot listen on 127.0.0.1:TAKEN', 'EADDRINUSE', 'PROXY_PORT'] },
    { workers: 2, name: 'a TLS certificate that is not one', where: 'tls', says: ['tlsCertFile (PROXY_TLS_CERT_FILE) ', ': not a PEM certificate'] },
    // One process opens its traffic port first: these fail after it, which must close it again.
    { workers: 1, name: 'its admin port in use', where: 'admin', says: ADMIN_IN_USE },
    { workers: 1, name: 'a libSQL URL where nothing listens', where: 'libsql', says: [] },
  ] as const)('$workers worker(s) with $name: says so in one line, exits 1 and leaves no worker or listener', async ({ workers, where, says }) => {
    const other = await freePort();
    const [port, adminPort] = where === 'admin' ? [other, takenPort] : where === 'traffic' ? [takenPort, other] : [other, 0];
    const extra: Record<string, string> =
      where === 'tls' ? { PROXY_TLS_CERT_FILE: garbageFile, PROXY_TLS_KEY_FILE: garbageFile } : where === 'libsql' ? { LIBSQL_URL: `http://127.0.0.1:${await freePort()}` } : {};
    const run = await runProxyCli(
      { PROXY_AUTH_DISABLED: 'true', PROXY_HOST: '127.0.0.1', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_PORT: String(port), PROXY_ADMIN_PORT: String(adminPort), ...extra },
      WAIT_MS,
      workers,
    );
    // Every worker it forked is gone (SIGTERM reaches them at once; none is orphaned to run on).
    await new Promise((r) => setTimeout(r, 200));
    const survivors = [...run.children].filter(isAlive);
    expect({ code: run.code, survivors }).toEqual({ code: 1, survivors: [] });
    // The traffic port is tried by the workers, so they were forked; the admin port and the TLS
    // files are checked before any is.
    if (workers > 1 && where === 'traffic') expect(run.children.size).toBeGreaterThanOrEqual(2);
    else expect(run.children.size).toBe(0);
    expect(run.exitAfterErrorMs).toBeLessThan(3000);
    expect(await isFree(other)).toBe(true);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    for (const s of says) expect(lines[0]).toContain(s.replace('TAKEN', String(takenPort)));
  }, 90_000);
});
