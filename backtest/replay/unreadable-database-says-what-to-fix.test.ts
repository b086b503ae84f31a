/**
 * A replay whose database cannot be read says why with the store's one rule
 * (control/store/errors.ts): an unmigrated database says to migrate it; an unreachable one says
 * to check the server, not to migrate. Real file database, a closed port for the unreachable one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countRecords, readRecordsFromDb } from './read-records-db.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-unreadable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A database with no tables (an empty file is one); a missing file is the store's 'not-found'.
writeFileSync(join(dir, 'empty.db'), '');

async function firstRecord(url: string): Promise<unknown> {
  for await (const r of readRecordsFromDb({ url })) return r;
  return null;
}

describe.each([
  ['an unmigrated database', `file:${join(dir, 'empty.db')}`, '(schema-missing)', 'run `switchyard db migrate` against this database'],
  // Port 1 is one fetch will not connect to: the message says so rather than "fetch failed".
  ['an unreachable server', 'http://127.0.0.1:1', '(unreachable)', 'cannot reach the database at http://127.0.0.1:1 (bad port): fetch refuses to connect to this port'],
])('%s', (_name, url, code, hint) => {
  it.each([
    ['counting', () => countRecords({ url })],
    ['reading', () => firstRecord(url)],
  ])('%s names the cause and its fix', async (_what, run) => {
    const err = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'BacktestError', code: 'input-read' });
    const message = (err as Error).message;
    expect(message).toContain(url);
    expect(message).toContain(code);
    expect(message).toContain(hint);
    if (code !== '(schema-missing)') expect(message).not.toContain('migrate');
  });
});
