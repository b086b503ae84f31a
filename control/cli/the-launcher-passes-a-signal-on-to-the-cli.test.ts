/**
 * `bin/switchyard.js` (what `npx switchyard` runs) starts the CLI as a child process. A signal
 * sent to the launcher must reach the CLI, and the launcher must wait for it: it ran tsx's own CLI
 * in a blocking spawnSync, so a SIGTERM sent to the launcher killed the launcher alone and left
 * the command (here a libSQL server; under `npm start`, the dev stack's proxies) running with
 * nobody to stop it. And tsx's CLI SIGKILLs a child that does not acknowledge a signal within
 * 30 ms, which killed `switchyard dev` half-way through stopping what it started.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const launcher = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sy-launcher-'));
const db = join(dir, 'launcher.db');
afterAll(() => {
  // Whatever outlived the launcher (the defect) must not outlive the test.
  try {
    execFileSync('pkill', ['-f', db]);
  } catch {
    // nothing left: the expected case
  }
  rmSync(dir, { recursive: true, force: true });
});

const answers = async (url: string): Promise<boolean> => {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
};

test('SIGTERM to the launcher stops the command it runs, and the launcher exits with its code', async () => {
  const child = spawn(process.execPath, [launcher, 'libsql-server', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const m = /"url":"([^"]+)"/.exec(buffered);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  expect(await answers(url)).toBe(true);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  // The server is gone with it, not orphaned.
  expect(await answers(url)).toBe(false);
}, 30_000);
