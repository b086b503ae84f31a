/**
 * A proxy's workers and its cluster primary write one libSQL file from several processes (the
 * default for `switchyard proxy` is one worker per core): a write that meets a sibling's open
 * write transaction must wait for it, not fail with SQLITE_BUSY (which surfaced as 503s on job
 * updates with two workers).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStoreClient } from './store-client.ts';

let dir = '';
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('waits for another connection’s write transaction instead of failing with SQLITE_BUSY', async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-store-client-'));
  const url = `file:${join(dir, 'db.sqlite')}`;
  const ours = await openStoreClient({ storeUrl: url, storeAuthToken: null });
  if (ours === null) throw new Error('expected a client');
  await ours.execute('CREATE TABLE t (x INTEGER)');
  // The sibling is another process (the file driver waits synchronously, so in one process the
  // holder could never commit while we wait): it holds a write transaction for 300 ms.
  const sibling = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createClient } from '@libsql/client';
       const c = createClient({ url: ${JSON.stringify(url)} });
       const tx = await c.transaction('write');
       await tx.execute('INSERT INTO t VALUES (1)');
       process.stdout.write('holding\\n');
       await new Promise((r) => setTimeout(r, 300));
       await tx.commit();
       c.close();`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(sibling.stdout, 'data');
  await expect(ours.execute('INSERT INTO t VALUES (2)')).resolves.toBeDefined();
  const rows = await ours.execute('SELECT count(*) AS n FROM t');
  expect(Number(rows.rows[0]?.n)).toBe(2);
  await once(sibling, 'exit');
  ours.close();
});
