import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, expect, test } from 'vitest';
import { testCliCommand } from '../build/test-cli-command.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';

// The real CLI in a child process: JSON-line logs, a working endpoint, clean
// exit on SIGTERM. A bad flag, which starts nothing, in-process: a non-zero exit naming it.
const dir = mkdtempSync(join(tmpdir(), 'hrana-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]): ChildProcess => {
  const cli = testCliCommand(['libsql-server', ...args]);
  return spawn(cli.command, cli.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LIBSQL_SERVER_AUTH_TOKEN: 'cli-token' },
  });
};

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.once('exit', (code) => resolve(code)));

test('serves the database, logs JSON lines and exits 0 on SIGTERM', async () => {
  const child = run(['--db', join(dir, 'cli.db'), '--port', '0']);
  const done = exited(child);
  const lines: Array<Record<string, unknown>> = [];
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        if (typeof line.url === 'string') resolve(line.url);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const client = createClient({ url, authToken: 'cli-token' });
  await client.execute('CREATE TABLE c (x)');
  await client.execute('INSERT INTO c VALUES (1)');
  expect((await client.execute('SELECT count(*) AS n FROM c')).rows[0]?.n).toBe(1);
  client.close();
  expect(lines[0]).toMatchObject({ msg: 'hrana server listening', auth: true });
  child.kill('SIGTERM');
  expect(await done).toBe(0);
});

test('a bad flag exits non-zero with a message naming it', async () => {
  const r = await runCliInProcess(['libsql-server', '--db', join(dir, 'bad.db'), '--port', 'eighty'], { env: { LIBSQL_SERVER_AUTH_TOKEN: 'cli-token' } });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/--port must be an integer/);
});

// The engine said only `ConnectionFailed("Unable to open connection to local database …: 14")`.
test.each([
  [join(dir, 'no-such-folder', 'x.db'), `its folder ${join(dir, 'no-such-folder')} does not exist`],
  [dir, 'it is a folder, not a file'],
])('a database file it cannot open (%s) is a startup error naming the file and why', async (db, why) => {
  const r = await runCliInProcess(['libsql-server', '--db', db, '--port', '0'], { env: { LIBSQL_SERVER_AUTH_TOKEN: 'cli-token' } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`error: cannot open the database file ${db}: ${why}`);
});
