/**
 * Every canary and rollout subcommand run against a database that was never migrated fails
 * (exit 1) saying to run `switchyard db migrate`, the store's one schema-missing rule
 * (control/store/errors.ts), instead of a bare SQLite error or a controller retrying forever.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-unmigrated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  [['canary', 'status']],
  [['canary', 'promote']],
  [['rollout', 'start', 'acme/chat', '--to', 'v2']],
  [['rollout', 'status', 'acme/chat']],
  [['rollout', 'pause', 'acme/chat']],
  [['rollout', 'resume', 'acme/chat']],
  [['rollout', 'promote', 'acme/chat']],
  [['rollout', 'abort', 'acme/chat']],
  [['rollout', 'run', '--interval-ms', '100']],
])('switchyard %j', async (args) => {
  const path = join(dir, `${args.slice(0, 2).join('-')}.db`);
  // An existing database with no tables (an empty file is one): a missing file is another error.
  writeFileSync(path, '');
  const db = `file:${path}`;
  const r = await runCliInProcess([...args, '--db', db]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('(schema-missing)');
  expect(r.stderr).toContain('run `switchyard db migrate` against this database');
}, 60_000);
