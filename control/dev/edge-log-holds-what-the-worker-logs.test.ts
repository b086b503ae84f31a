/**
 * `switchyard dev` runs the edge under `wrangler dev`, its output going to the edge's log in the
 * state dir, where the READMEs send operators for a refusal's cause and every decision's line.
 * Under `--log-level warn` wrangler dropped every `console.log` of the Worker, so that log held
 * only wrangler's own warnings. Here a Worker that logs like the edge runs with the dev stack's
 * arguments: its line must reach the output, and wrangler's request line must not carry the
 * query string.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WRANGLER_DEV_ENV, wranglerDevArgs } from './wrangler-dev.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const WORKER = `export default { async fetch() { console.log(JSON.stringify({ level: 'info', msg: 'request refused', code: 'unknown-function' })); return new Response('ok'); } };`;

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe("the dev stack's edge under wrangler dev", () => {
  it("prints the Worker's own log lines", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-wrangler-log-'));
    await writeFile(join(dir, 'worker.js'), WORKER);
    await writeFile(join(dir, 'wrangler.toml'), 'name = "log-check"\nmain = "worker.js"\ncompatibility_date = "2024-09-23"\n');
    await writeFile(join(dir, '.env'), '');
    const port = await freePort();
    const inspectorPort = await freePort();
    const args = wranglerDevArgs({ configFile: join(dir, 'wrangler.toml'), bundle: null, port, inspectorPort, envFile: join(dir, '.env'), persistTo: join(dir, 'state') });
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...WRANGLER_DEV_ENV }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    cleanup = async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    };

    const deadline = Date.now() + 60_000;
    let answered = false;
    while (!answered && Date.now() < deadline) {
      answered = await fetch(`http://127.0.0.1:${port}/v4/p/a/f?sy_token=secret-in-query`).then((r) => r.ok, () => false);
      if (!answered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(answered, output).toBe(true);
    const printed = (): boolean => output.includes('request refused') && output.includes('GET /v4/p/a/f');
    const logged = Date.now() + 10_000;
    while (!printed() && Date.now() < logged) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('{"level":"info","msg":"request refused","code":"unknown-function"}');
    expect(output).toMatch(/GET \/v4\/p\/a\/f 200/);
    expect(output).not.toContain('secret-in-query');
  }, 90_000);
});
