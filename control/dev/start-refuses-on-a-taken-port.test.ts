/**
 * A dev stack start whose ports are taken (another stack with another state dir, any program)
 * refuses before it changes anything, naming each taken port and what would have used it. Before,
 * it first deleted the state dir's database, then its parts failed one by one, or the other
 * stack's libSQL answered the new one's /health.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';
import { DevStackError } from './errors.ts';
import { startDevStack } from './start-dev-stack.ts';
import { LOCK_FILE } from './state-dir-lock.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-dev-ports-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** An ephemeral port held open; a stack based one below it wants it for libSQL (base + 1). */
async function holdPort(): Promise<{ server: Server; port: number }> {
  for (;;) {
    // Whoever connects is hung up on: the port stays taken, and no client keeps it from closing.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // The base must leave room for the whole stack (topology.ts takes base..base+106, base ≤ 65000).
    if (port - 1 <= 65_000) return { server, port };
    await new Promise((resolve) => server.close(resolve));
  }
}

let held: { server: Server; port: number };
beforeAll(async () => {
  held = await holdPort();
});
afterAll(() => new Promise<void>((resolve) => held.server.close(() => resolve())));

describe('a start whose libSQL port is taken', () => {
  it('refuses with the port and its role, and keeps the database and no lock', async () => {
    const dir = await tempDir();
    const db = createClient({ url: `file:${join(dir, 'switchyard.db')}` });
    await db.execute('CREATE TABLE kept (v TEXT)');
    await db.execute("INSERT INTO kept VALUES ('from the last run')");
    db.close();

    const err = await startDevStack({
      basePort: held.port - 1,
      stateDir: dir,
      fresh: true,
      traces: false,
      log: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevStackError);
    expect((err as DevStackError).code).toBe('ports-in-use');
    // Other ports of the range may be taken too (the held one is ephemeral: other tests' sockets
    // live around it), so the message may list more than ours.
    expect((err as DevStackError).message).toMatch(new RegExp(`^ports? (\\d+ \\([^)]*\\), )*${held.port} \\(local libSQL endpoint\\)[^.]* already in use`));
    expect((err as DevStackError).message).toContain('--port');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const after = createClient({ url: `file:${join(dir, 'switchyard.db')}` });
    expect((await after.execute('SELECT v FROM kept')).rows.map((r) => r['v'])).toEqual([
      'from the last run',
    ]);
    after.close();
  });

  it('makes `switchyard dev` exit 1 with that message', async () => {
    const dir = await tempDir();
    const r = await runCliInProcess(['dev', '--port', String(held.port - 1), '--state-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: ports? (\\d+ \\([^)]*\\), )*${held.port} \\(local libSQL endpoint\\)[^.]* already in use`));
  });
});
