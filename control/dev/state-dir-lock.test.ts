/**
 * One running dev stack per state dir: a live holder's lock refuses a second start; a lock left by
 * a process that is gone (killed, crashed), or one that is not a lock at all, is taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevStackError } from './errors.ts';
import { LOCK_FILE, lockStateDir } from './state-dir-lock.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-dev-lock-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const owner = {
  pid: process.pid,
  edgeUrl: 'http://127.0.0.1:8787',
  firstPort: 8787,
  lastPort: 8893,
};

/** The pid of a process that has exited: a real one, not a guess. */
let deadPid = 0;
beforeAll(async () => {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  deadPid = child.pid ?? 0;
});

const lockOf = (pid: number): string =>
  JSON.stringify({ ...owner, pid, startedAt: '2025-01-01T00:00:00.000Z', token: 'theirs' });

describe('taking the state dir lock', () => {
  it.each([
    { name: 'no lock', existing: (): string | null => null },
    { name: 'a lock whose process is gone', existing: (): string | null => lockOf(deadPid) },
    { name: 'a half-written lock', existing: (): string | null => '{"pid": 12' },
  ])('succeeds over $name, and the lock names this process', async ({ existing }) => {
    const dir = await tempDir();
    const before = existing();
    if (before !== null) await writeFile(join(dir, LOCK_FILE), before);
    const lock = await lockStateDir(dir, owner);
    const held = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as {
      pid: number;
      edgeUrl: string;
    };
    expect(held).toMatchObject({ pid: process.pid, edgeUrl: owner.edgeUrl });
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses while the holder runs, naming its pid, state dir and ports, and leaves its lock', async () => {
    const dir = await tempDir();
    const first = await lockStateDir(dir, owner);
    const err = await lockStateDir(dir, { ...owner, edgeUrl: 'http://127.0.0.1:9787' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DevStackError);
    expect((err as DevStackError).code).toBe('stack-running');
    const msg = (err as DevStackError).message;
    for (const part of [
      `pid ${process.pid}`,
      dir,
      'edge http://127.0.0.1:8787',
      'ports 8787..8893',
      '--state-dir',
      '--port',
    ])
      expect(msg).toContain(part);
    // The refused start must not have released the running stack's lock.
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      edgeUrl: 'http://127.0.0.1:8787',
    });
    await first.release();
  });

  it('release leaves a lock that another start has taken since', async () => {
    const dir = await tempDir();
    const lock = await lockStateDir(dir, owner);
    await writeFile(join(dir, LOCK_FILE), lockOf(process.pid));
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
