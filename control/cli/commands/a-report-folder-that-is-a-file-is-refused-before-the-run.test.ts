/**
 * `simulate` and `replay` write their report to `--out <dir>`. A --out that names a file used to be
 * found only once the run was over (a full `simulate` takes minutes), as a bare
 * "EEXIST: file already exists, mkdir …" with exit 1. Now it is a usage error found before the
 * run: exit 2, naming the option and what to give instead, nothing simulated or replayed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-report-out-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
writeFileSync(join(cwd, 'taken'), 'a file, not a folder\n');
writeFileSync(join(cwd, 'empty.ndjson'), '');
const scenario = resolve('examples/scenarios/regional-outage.yaml');

test.each([
  [['simulate', scenario, '--hours', '0.01', '--strategies', 'random', '--out', 'taken'], 'simulate:'],
  [['replay', '--input', 'empty.ndjson', '--out', 'taken'], 'replayed'],
])('switchyard %j refuses --out before running', async (args, ranMark) => {
  const r = await runCliInProcess(args, { cwd });
  expect(r.stderr).toContain('error: --out taken is a file, not a folder: name a folder for the report');
  expect(r.code, r.stderr).toBe(2);
  expect(`${r.stdout}${r.stderr}`).not.toContain(ranMark);
}, 60_000);
