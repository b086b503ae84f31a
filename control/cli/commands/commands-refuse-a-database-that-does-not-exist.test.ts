/**
 * A --db (or LIBSQL_URL) naming a local file that does not exist is refused by every command but
 * `db migrate` and `apply` (they create it): exit 2, the path named with the command that creates
 * it, and no file left behind. They created an empty database and then failed on a missing table
 * (or, for `status`, showed an empty fleet). A LIBSQL_URL set blank is refused naming LIBSQL_URL
 * instead of falling back to the default database. The CLI in-process (run-cli-in-process.ts), real files.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-no-db-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const path = join(cwd, 'new.db');
const db = `file:${path}`;
const NO_DB = `no database at ${path}; run \`switchyard db migrate --db ${db}\` or check --db/LIBSQL_URL`;
const demoConfig = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));
const aggregatorFlags = [
  '--cluster-id',
  'c1',
  '--region',
  'eu-west',
  '--provider',
  'aws',
  '--proxy-url',
  'http://127.0.0.1:1',
  '--proxy-id',
  'p1',
  '--gpu',
  'A100=1',
  '--app',
  'acme/chat=http://127.0.0.1:1',
  '--slots',
  '1',
];

test.each([
  [['status']],
  [['db', 'prune', '--older-than', '7d']],
  [['rollout', 'status', 'acme/chat']],
  [['rollout', 'start', 'acme/chat', '--to', 'v2']],
  [['rollout', 'abort', 'acme/chat']],
  [['rollout', 'run']],
  [['service-keys', 'list']],
  [['service-keys', 'create', '--app', 'acme/chat']],
  [['canary', 'status']],
  [['canary', 'promote']],
  [['replay', '--export-ndjson', 'out.ndjson']],
  [['otlp-receiver', '--port', '0']],
  [['aggregator', ...aggregatorFlags]],
  [['dashboard', '--port', '0']],
  // A dry run reads what is there; only a real apply creates (and migrates) the database.
  [['apply', '-f', demoConfig, '--dry-run']],
])(
  'switchyard %j with --db naming no file: exit 2, the path named, no file created',
  async (args) => {
    const env = { SWITCHYARD_OPERATOR_KEY: 'k'.repeat(32) };
    const r = await runCliInProcess([...args, '--db', db], { cwd, env});
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(NO_DB);
    expect(existsSync(path)).toBe(false);
  },
  60_000,
);

test('the same database named by LIBSQL_URL is refused alike', async () => {
  const r = await runCliInProcess(['status'], { cwd, env: { LIBSQL_URL: db } });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(NO_DB);
  expect(existsSync(path)).toBe(false);
}, 60_000);

test.each([[' '], [''], ['\t']])(
  'LIBSQL_URL=%j is a startup error naming it, not the default database',
  async (blank) => {
    const r = await runCliInProcess(['status'], {
      cwd,
      env: { LIBSQL_URL: blank, SWITCHYARD_DB_URL: undefined },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'LIBSQL_URL is set but blank: set LIBSQL_URL to the database URL, pass --db, or unset LIBSQL_URL',
    );
    expect(existsSync(join(cwd, '.switchyard'))).toBe(false);
  },
  60_000,
);

test('--db still wins over a blank LIBSQL_URL, and `db migrate` still creates the database', async () => {
  const migrate = await runCliInProcess(['db', 'migrate', '--db', db], { cwd, env: { LIBSQL_URL: ' ' } });
  expect(migrate.code, migrate.stderr).toBe(0);
  expect(existsSync(path)).toBe(true);
  const status = await runCliInProcess(['status', '--db', db], { cwd, env: { LIBSQL_URL: ' ' } });
  expect(status.code, status.stderr).toBe(0);
  rmSync(path);
}, 60_000);
