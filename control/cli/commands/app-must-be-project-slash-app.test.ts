/**
 * An app given without its project (`--app chat`) is refused for its shape, `<project>/<app>`,
 * by every command that takes one (one parser, shared/domain/app-ref.ts), not reported as an
 * app that does not exist or a rollout that was never started. Real migrated file database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-app-ref-'));
const db = `file:${join(dir, 'sw.db')}`;
beforeAll(async () => {
  expect((await runCliInProcess(['db', 'migrate', '--db', db])).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  [['service-keys', 'create', '--app', 'badformat'], 2],
  [['service-keys', 'webhook-secret', '--app', 'badformat'], 2],
  [['service-keys', 'list', '--app', 'badformat'], 2],
  [['rollout', 'status', 'badformat'], 2],
  [['rollout', 'pause', 'badformat'], 2],
  [['rollout', 'abort', 'badformat'], 2],
  [['rollout', 'start', 'badformat', '--to', 'v2'], 2], // every start flag is checked at once, a usage error too
  [['service-keys', 'create', '--app', 'a/b/c'], 2],
  [['replay', '--app', 'badformat'], 2],
])('switchyard %j', async (args, code) => {
  const r = await runCliInProcess([...args, '--db', db]);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toContain('the app must be <project>/<app>, e.g. acme/chat');
  expect(r.stderr).not.toMatch(/no app|has no rollout/);
}, 60_000);

test('a well-formed app that does not exist is still named as missing', async () => {
  const r = await runCliInProcess(['service-keys', 'create', '--app', 'acme/nosuch', '--db', db]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('no app acme/nosuch');
}, 60_000);
