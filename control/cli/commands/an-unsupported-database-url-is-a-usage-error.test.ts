/**
 * A --db or LIBSQL_URL whose scheme libSQL cannot open (`ftp://…`, a bare path) is a usage error
 * found before the database is opened: exit 2, naming the option or variable, the scheme given
 * and the schemes accepted, with any credentials in the URL left out. It exited 1 with "database
 * URL … is not supported", naming neither. The CLI in-process, in a directory with no database.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-bad-scheme-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const demoConfig = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));
const ACCEPTED = 'use file:PATH, libsql://HOST, http(s)://HOST[:PORT], ws(s)://HOST[:PORT] or :memory:';
const env = { LIBSQL_URL: undefined, SWITCHYARD_DB_URL: undefined, SWITCHYARD_OPERATOR_KEY: 'k'.repeat(32) };

test.each([
  [['status']],
  [['db', 'migrate']],
  [['db', 'prune', '--older-than', '7d']],
  [['replay', '--app', 'acme/chat']],
  [['canary', 'status']],
  [['rollout', 'status', 'acme/chat']],
  [['service-keys', 'list']],
  [['apply', '-f', demoConfig]],
  [['dashboard', '--port', '0']],
  [['otlp-receiver', '--port', '0']],
])('switchyard %j --db ftp://x: exit 2 naming --db, the scheme and the accepted ones', async (args) => {
  const r = await runCliInProcess([...args, '--db', 'ftp://x'], { cwd, env });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`--db "ftp://x" is not supported: it has scheme ftp:; ${ACCEPTED}`);
  expect(existsSync(join(cwd, '.switchyard'))).toBe(false);
}, 60_000);

test('LIBSQL_URL with an unsupported scheme is named, its credentials left out', async () => {
  const r = await runCliInProcess(['status'], { cwd, env: { ...env, LIBSQL_URL: 'ftp://user:secret@x/db?authToken=tok' } });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`LIBSQL_URL "ftp://x/db" is not supported: it has scheme ftp:; ${ACCEPTED}`);
  expect(r.stderr).not.toMatch(/secret|tok\b/);
}, 60_000);

test('the proxy refuses it before it listens, exit 2', async () => {
  const r = await runCliInProcess(['proxy', '--id', 'p1', '--region', 'eu', '--port', '0', '--auth-disabled', '--workers', '1', '--db', 'ftp://x'], { cwd, env });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain('got "ftp:"');
  expect(r.stderr).toContain(`— ${ACCEPTED} (--db, LIBSQL_URL)`);
}, 60_000);

test('a URL with a password is refused without printing it', async () => {
  const r = await runCliInProcess(['status', '--db', 'http://user:secret@127.0.0.1:8080'], { cwd, env });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain('--db "http://127.0.0.1:8080" carries a user name or password: give the database token with --auth-token or LIBSQL_AUTH_TOKEN instead');
  expect(r.stderr).not.toContain('secret');
}, 60_000);
