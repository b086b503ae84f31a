/**
 * `switchyard edge --workerd --env-file <file>` with invalid settings refuses to start: exit 1 (a
 * file it cannot use), every bad variable named with its value (never a secret's), what was
 * expected and the file that set it, and nothing built or listening. It used to start workerd,
 * which then answered every request 500 bad-config (the Worker's only way on Cloudflare).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { generateKeyPair } from '../../../shared/tokens/index.ts';
import { freePort } from '../../dev/free-port.ts';
import { runCli } from '../run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-edge-bad-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('exit 1 naming the file and each bad variable; nothing built, nothing listening', async () => {
  const { privateJwk } = await generateKeyPair('edge-bad-env');
  const file = join(dir, 'bad.env');
  writeFileSync(
    file,
    [
      'LIBSQL_URL=http://127.0.0.1:8080',
      `TOKEN_SIGNING_KEY='${JSON.stringify(privateJwk)}'`,
      'EDGE_ANSWER_MODE=teleport',
      'ROUTE_LATENCY_VALUE_USD=abc',
      'EDGE_OPERATOR_KEY=short-secret',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const outDir = join(dir, 'out');
  // The child reads only the file's settings: none of the Worker's variables from this process.
  const inherited = Object.keys(process.env).filter((k) => /^(EDGE_|ROUTE_|LIBSQL_|SWITCHYARD_DB_|TOKEN_SIGNING_KEY$)/.test(k));
  const env = Object.fromEntries(inherited.map((k) => [k, undefined]));
  const r = await runCli(['edge', '--workerd', '--env-file', file, '--port', String(port), '--out-dir', outDir], { cwd: dir, env, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toBe(
    [
      `error: --env-file ${file}: invalid edge settings, so the edge was not started (it would answer every request 500 bad-config):`,
      `  - EDGE_ANSWER_MODE="teleport": must be one of forward, redirect, token (set in ${file})`,
      `  - EDGE_OPERATOR_KEY must be at least 16 characters (a random secret: \`openssl rand -hex 24\`); unset it to disable explain (set in ${file})`,
      `  - ROUTE_LATENCY_VALUE_USD="abc": expected a number between 0 and 1000 (set in ${file})`,
      '',
    ].join('\n'),
  );
  expect(r.stderr).not.toContain('short-secret');
  expect(existsSync(outDir)).toBe(false);
  expect(await listening(port)).toBe(false);
}, 90_000);

test('a misspelt ROUTE_* name in the env file is refused with the name it meant, not dropped', async () => {
  const { privateJwk } = await generateKeyPair('edge-misspelt-env');
  const file = join(dir, 'misspelt.env');
  writeFileSync(file, ['LIBSQL_URL=http://127.0.0.1:8080', `TOKEN_SIGNING_KEY='${JSON.stringify(privateJwk)}'`, 'ROUTE_LATENCY_VALUE_UDS=0.5', ''].join('\n'));
  const port = await freePort();
  const inherited = Object.keys(process.env).filter((k) => /^(EDGE_|ROUTE_|LIBSQL_|SWITCHYARD_DB_|TOKEN_SIGNING_KEY$)/.test(k));
  const env = Object.fromEntries(inherited.map((k) => [k, undefined]));
  const r = await runCli(['edge', '--workerd', '--env-file', file, '--port', String(port), '--out-dir', join(dir, 'out2')], { cwd: dir, env, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain('ROUTE_LATENCY_VALUE_UDS');
  expect(r.stderr).toContain('did you mean ROUTE_LATENCY_VALUE_USD?');
  expect(await listening(port)).toBe(false);
}, 90_000);
