/**
 * `switchyard edge --workerd --env-file <missing>` is our startup error naming the option and the
 * file (exit 1, "a file it cannot use"), before anything is built. Node 20 took the script's
 * `--env-file` for its own (nodejs/node#54232): `node: <file>: not found`, exit 9, before any
 * of our code ran. Real processes: the installed launcher run through its shebang, as an
 * operator's `switchyard` runs, and the test helper's command line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { runCli, type CliResult } from '../run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-edge-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = join(dir, 'no-such.env');
const LAUNCHER = fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));

async function launcher(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(LAUNCHER, args, { cwd: dir, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test.each([
  ['the launcher (bin/switchyard.js)', launcher],
  ['node --import tsx -- main.ts', (args: string[]) => runCli(args, { cwd: dir })],
])('%s: exit 1 naming --env-file and the file, not Node exit 9', async (_how, run) => {
  for (const args of [
    ['edge', '--workerd', '--env-file', missing],
    ['edge', '--workerd', `--env-file=${missing}`],
  ]) {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`error: --env-file ${missing}: cannot read it (no such file)\n`);
  }
}, 60_000);
