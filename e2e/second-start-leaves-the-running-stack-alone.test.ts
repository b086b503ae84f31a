/**
 * A second `npm start` while a stack runs used to delete the running stack's database first
 * (a fresh start removes `switchyard.db`), before anything checked that the state dir or the
 * ports were free; the running stack's libSQL then answered the newcomer's /health. Now the
 * second start refuses before it touches anything, and says what runs and how to get past it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { describe, expect, inject, it } from 'vitest';
import { DevStackError } from '../control/dev/errors.ts';
import { startDevStack } from '../control/dev/start-dev-stack.ts';
import { upsertProject } from '../control/store/upsert-project.ts';
import { e2eStackOptions, useStack } from './stack.ts';

const BASE = 23_600;
const h = useStack(BASE);

/** What the running stack's database file holds on disk, read beside its libSQL server. */
async function projectOnDisk(stateDir: string, id: string): Promise<string | undefined> {
  const file = createClient({ url: `file:${join(stateDir, 'switchyard.db')}` });
  try {
    const rs = await file.execute({ sql: 'SELECT name FROM projects WHERE id = ?', args: [id] });
    return rs.rows[0]?.['name'] as string | undefined;
  } finally {
    file.close();
  }
}

async function stillServes(): Promise<number> {
  const s = h.stack();
  const res = await fetch(`${s.edgeUrl}/v4/acme/chat/v1/models`, {
    headers: { authorization: `Bearer ${s.apiKey}` },
  });
  await res.body?.cancel();
  return res.status;
}

describe('a second start while a stack runs', () => {
  it('from the same state dir refuses, naming the running stack, and its database keeps its data', async () => {
    const s = h.stack();
    await upsertProject(h.db(), { id: 'kept', name: 'Written while running' }, Date.now());

    const err = await startDevStack(
      e2eStackOptions(BASE, s.stateDir, {}, {}, inject('edgeBundleDir')),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevStackError);
    expect((err as DevStackError).code).toBe('stack-running');
    const msg = (err as DevStackError).message;
    for (const part of [
      s.stateDir,
      `pid ${process.pid}`,
      s.edgeUrl,
      `kill ${process.pid}`,
      '--state-dir',
      '--port',
    ])
      expect(msg).toContain(part);

    expect(await projectOnDisk(s.stateDir, 'kept')).toBe('Written while running');
    const rs = await h.db().execute("SELECT name FROM projects WHERE id = 'kept'");
    expect(rs.rows[0]?.['name']).toBe('Written while running');
    expect(await stillServes()).toBe(200);
  });

  it('from another state dir on the same ports refuses, naming the taken ports, and creates nothing there', async () => {
    const s = h.stack();
    await upsertProject(h.db(), { id: 'kept-too', name: 'Also written while running' }, Date.now());
    const other = await mkdtemp(join(tmpdir(), 'switchyard-e2e-second-'));
    try {
      const err = await startDevStack(
        e2eStackOptions(BASE, other, {}, {}, inject('edgeBundleDir')),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevStackError);
      expect((err as DevStackError).code).toBe('ports-in-use');
      const msg = (err as DevStackError).message;
      expect(msg).toContain(`${s.topology.edgePort} (edge Worker)`);
      expect(msg).toContain(`${s.topology.libsqlPort} (local libSQL endpoint)`);
      expect(msg).toContain('--port');
      expect(await readdir(other)).toEqual([]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect(await projectOnDisk(s.stateDir, 'kept-too')).toBe('Also written while running');
    expect(await stillServes()).toBe(200);
  });
});
