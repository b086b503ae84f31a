/**
 * `replay`, `canary status|promote` and `otlp-receiver` find the database as every other command
 * does (control/config/db-flags.ts): --db, else LIBSQL_URL, else the default. They read --db
 * only (promote and the receiver even required it). The CLI in-process (the receiver, a server,
 * as a child process), run in a directory with no default database, against a real migrated file
 * database named by LIBSQL_URL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { insertArrivals, openTempStore, type TempStore } from '../../store/test-fixtures.ts';
import { runCliInProcess } from '../run-cli-in-process.ts';
import { switchyardCommand } from '../switchyard-command.ts';

let store: TempStore;
let env: Record<string, string | undefined>;
const cwd = mkdtempSync(join(tmpdir(), 'switchyard-libsql-url-'));
beforeAll(async () => {
  store = await openTempStore();
  env = {
    LIBSQL_URL: `file:${store.path}`,
    SWITCHYARD_DB_URL: undefined,
    LIBSQL_AUTH_TOKEN: undefined,
  };
  await insertArrivals(store.client, {
    appId: 'acme/chat',
    clusterId: 'c1',
    count: 3,
    at: Date.now(),
  });
});
afterAll(() => {
  store.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

test.each([
  // No decision for acme/none: refused, listing the apps of LIBSQL_URL's database.
  [
    ['replay', '--app', 'acme/none', '--export-ndjson', 'out.ndjson'],
    1,
    /no decisions for app acme\/none in file:\S+; apps with decisions: acme\/chat$/m,
  ],
  // The three decisions inserted above: the database LIBSQL_URL names was read.
  [['canary', 'status'], 0, /^v {29}\s+3 /m],
  // Exit 3 is promote's "refused"; the log of LIBSQL_URL's database has no canary decisions.
  [['canary', 'promote'], 3, 'no canary decisions in the log'],
])(
  'switchyard %j reads LIBSQL_URL',
  async (args, code, said) => {
    const r = await runCliInProcess(args, { cwd, env });
    expect(r.code, r.stderr).toBe(code);
    expect(r.stdout + r.stderr).toMatch(said);
  },
  60_000,
);

test('switchyard otlp-receiver stores spans in the database LIBSQL_URL names', async () => {
  const cli = switchyardCommand(['otlp-receiver', '--port', '0']);
  const child = spawn(cli.command, cli.args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const tracesUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"tracesUrl":"([^"]+)"/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
    });
    const ns = (BigInt(Date.now()) * 1_000_000n).toString();
    const span = {
      traceId: 'c'.repeat(32),
      spanId: 'd'.repeat(16),
      name: 'edge request',
      kind: 2,
      startTimeUnixNano: ns,
      endTimeUnixNano: ns,
    };
    const body = {
      resourceSpans: [
        { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] },
      ],
    };
    const res = await fetch(tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const rows = await store.client.execute('SELECT name FROM trace_spans');
    expect(rows.rows.map((r) => r['name'])).toEqual(['edge request']);
  } finally {
    child.kill('SIGTERM');
  }
}, 60_000);
