/**
 * `switchyard apply` with a file that declares nothing (empty, only comments, or only empty
 * sections) is an error naming the file, and the database is left exactly as it was: not even
 * migrated. A real file database, the CLI in-process (run-cli-in-process.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-apply-empty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['zero bytes', '', 'is empty: nothing to apply'],
  ['whitespace', '  \n\n\t\n', 'is empty: nothing to apply'],
  ['only comments', '# TODO: apps\n  # later\n', 'is empty: nothing to apply'],
  ['an empty document marker', '---\n', 'is empty: nothing to apply'],
  ['only empty sections', 'projects: []\napps: []\n', 'declares no projects, apiKeys, clusters or apps: nothing to apply'],
  ['empty sections written as null', 'apps:\nclusters:\n', 'declares no projects, apiKeys, clusters or apps: nothing to apply'],
])('%s: exit 1, the file named, nothing changed', async (name, text, said) => {
  const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
  writeFileSync(file, text);
  const db = join(dir, `${name.replaceAll(' ', '-')}.db`);
  for (const extra of [[], ['--dry-run']]) {
    const r = await runCliInProcess(['apply', '-f', file, '--db', `file:${db}`, ...extra]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} ${said}`);
    expect(r.stdout).not.toContain('no changes');
    expect(existsSync(db)).toBe(false);
  }
}, 60_000);
