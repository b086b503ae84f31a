/** `switchyard db migrate` and `prune`, in-process (run-cli-in-process.ts), against real file databases. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';
import type { CliResult } from '../run-cli.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../shared/schema/migrations.ts';
import { openStore } from '../../store/open-store.ts';
import { insertRoutedDecision } from '../../store/test-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-db-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `env` entries set to undefined are unset for the run. */
const cli = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  runCliInProcess(args, { cwd: dir, env });

test('migrate creates the directory, applies once, then says up to date; LIBSQL_URL is the default', async () => {
  const url = `file:${join(dir, 'nested', 'a', 'sw.db')}`;
  const first = await cli(['db', 'migrate'], { LIBSQL_URL: url });
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/^applied migration 1: /m);
  expect(first.stdout).toContain(`now at schema version ${SCHEMA_VERSION}`);

  const second = await cli(['db', 'migrate', '--db', url]);
  expect(second).toMatchObject({ code: 0 });
  expect(second.stdout.trim()).toBe(`${url} is up to date (schema version ${SCHEMA_VERSION})`);

  const store = openStore({ url });
  try {
    const rs = await store.client.execute('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(rs.rows[0]?.['n']).toBe(MIGRATIONS.length);
  } finally {
    store.close();
  }
});

test('without --db or LIBSQL_URL it uses file:.switchyard/switchyard.db in the working directory', async () => {
  const result = await cli(['db', 'migrate'], { LIBSQL_URL: undefined });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`file:.switchyard/switchyard.db is now at schema version ${SCHEMA_VERSION}`);
});

test('a URL libSQL cannot open is a usage error (exit 2) with an actionable message', async () => {
  const result = await cli(['db', 'migrate', '--db', 'mysql://x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--db "mysql://x" is not supported: it has scheme mysql:; use file:PATH');
});

test('prune deletes the decision log older than --older-than and says how much went', async () => {
  const url = `file:${join(dir, 'prune.db')}`;
  expect((await cli(['db', 'migrate', '--db', url])).code).toBe(0);
  const store = openStore({ url });
  const day = 86_400_000;
  try {
    for (const [id, age] of [['old', 10 * day], ['older', 9 * day], ['recent', day]] as const) {
      await insertRoutedDecision(store.client, { id, at: Date.now() - age, appId: 'p/a', clusterId: 'c1' });
    }
  } finally {
    store.close();
  }
  const dry = await cli(['db', 'prune', '--db', url, '--older-than', '7d', '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^would delete 2 decisions, 0 outcomes and 0 snapshots no decision names from before \d{4}-/);
  const real = await cli(['db', 'prune', '--db', url, '--older-than', '7d']);
  expect(real.stdout).toMatch(/^deleted 2 decisions, 0 outcomes and 0 snapshots no decision names from before /);
  const after = openStore({ url });
  try {
    const rs = await after.client.execute('SELECT id FROM decisions');
    expect(rs.rows.map((r) => r['id'])).toEqual(['recent']);
  } finally {
    after.close();
  }
});

test.each([
  { flag: '30m', message: '--older-than: at least 1h' },
  { flag: 'a week', message: '--older-than: expected a duration such as 36h or 7d, got "a week"' },
  // A bare number is milliseconds elsewhere: here it is named as a missing unit, not as too short.
  { flag: '7', message: '--older-than: give a unit (h or d, e.g. 7d or 7h), got 7' },
  // Past any date: it was an uncaught "Invalid time value".
  { flag: '999999999d', message: '--older-than: at most 36500d' },
])('prune refuses --older-than $flag as a usage error (exit 2) and touches nothing', async ({ flag, message }) => {
  const result = await cli(['db', 'prune', '--db', `file:${join(dir, 'refused.db')}`, '--older-than', flag]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
});
