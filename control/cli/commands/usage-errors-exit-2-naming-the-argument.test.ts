/**
 * Every usage error exits 2 and names what is missing or wrong, whichever command found it:
 * commander (unknown option), a bare command group (it printed its help and nothing else) or an
 * action's own check (they exited 1). The other non-zero statuses are documented in the help.
 * The CLI in-process (run-cli-in-process.ts), in a temporary working directory; nothing here
 * reaches a database.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-usage-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
// Relative to cwd: a usage error is found before the database is opened, so it is never created.
const db = 'file:never-created.db';

test.each([
  [['db'], '`switchyard db` needs a command: migrate, prune'],
  [['keys'], '`switchyard keys` needs a command: generate'],
  [
    ['rollout', '--db', db],
    '`switchyard rollout` needs a command: start, status, pause, resume, promote, abort, run',
  ],
  [
    ['service-keys'],
    '`switchyard service-keys` needs a command: create, revoke, webhook-secret, list',
  ],
  [['rollout', 'start', 'acme/chat', '--db', db], '--to <version> is required'],
  [['rollout', 'start', 'acme/chat', '--to', 'v2', '--steps', 'x', '--db', db], '--steps'],
  [
    ['rollout', 'run', '--interval-ms', '5', '--db', db],
    "--interval-ms must be a whole number in 10..3600000, got '5'",
  ],
  [['db', 'prune', '--older-than', '5m', '--db', db], '--older-than: at least 1h'],
  [
    ['keys', 'generate', '--kid', 'has space', '--out', 'k'],
    "option '--kid <id>' argument 'has space' is invalid",
  ],
  [['otlp-receiver', '--port', 'x', '--db', db], '--port must be 0..65535, got "x"'],
  [['otlp-receiver', '--max-rows', '0', '--db', db], '--max-rows must be a positive integer'],
  [
    ['replay', '--db', db, '--input', 'x.ndjson'],
    'give --db <url> or --input <file.ndjson>, not both',
  ],
  [['replay', '--input', 'x.ndjson', '--strategy', 'nosuch'], '--strategy nosuch: expected one of'],
  // Ran with half a thread; died allocating a trillion; failed inside libSQL (SQLITE_MISMATCH).
  [['replay', '--input', 'x.ndjson', '--threads', '0.5'], '--threads 0.5: expected a whole number from 1 to 256'],
  [['replay', '--input', 'x.ndjson', '--threads', '1e12'], '--threads 1e12: expected a whole number from 1 to 256'],
  [['replay', '--input', 'x.ndjson', '--limit', '2.5'], '--limit 2.5: expected a whole number from 1 to'],
  // Taken, and reported 143 billion requests (the file refuses a tick longer than the run).
  [['simulate', fileURLToPath(new URL('../../../examples/scenarios/steady-global.yaml', import.meta.url)), '--tick-seconds', '1e9'], '--tick-seconds 1e9: a tick of 1000000000 s is longer than the run (24 h)'],
  [
    ['canary', 'promote', '--since-hours', '-1', '--db', db],
    '--since-hours -1: expected a positive number',
  ],
  [['libsql-server'], '--db <file> is required'],
  [['dev', '--port', '80'], '--port must be an integer between 1024 and 65000, got "80"'],
  [['edge', '--port', '0'], '--port must be an integer 1..65535, got "0"'],
  // Handed to pino as given: its "default level:chatty must be included in custom levels", exit 1.
  [['aggregator', '--log-level', 'chatty', '--db', db], "option '--log-level <level>' argument 'chatty' is invalid. expected one of trace, debug, info, warn, error, fatal, silent"],
  [['rollout', 'run', '--log-level', 'chatty', '--db', db], "option '--log-level <level>' argument 'chatty' is invalid"],
  [['sim-cluster', '--log-level', 'chatty'], "option '--log-level <level>' argument 'chatty' is invalid"],
])(
  'switchyard %j exits 2 naming the problem',
  async (args, said) => {
    const r = await runCliInProcess(args, { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error: ${said}`);
    expect(r.stderr).toContain('Usage: switchyard');
    expect(existsSync(join(cwd, 'never-created.db'))).toBe(false);
  },
  60_000,
);

test.each([
  [
    ['--help'],
    /Exit status:\n\s+0\s+success\n\s+1\s+the command failed.*\n\s+2\s+usage error.*\n\s+3\s+refused by a gate/,
  ],
  [['canary', 'promote', '--help'], /Exit status 3: refused/],
  [['replay', '--help'], /Exit status 3: some decisions break a hard constraint/],
])(
  'switchyard %j documents the exit statuses',
  async (args, said) => {
    const r = await runCliInProcess(args, { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(said);
  },
  60_000,
);

// The port came from the environment, not a flag: the message used to say "--port".
test('switchyard dev with a bad SWITCHYARD_PORT names the variable', async () => {
  const r = await runCliInProcess(['dev'], { cwd, env: { SWITCHYARD_PORT: 'xyz' } });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain('error: SWITCHYARD_PORT must be an integer between 1024 and 65000, got "xyz"');
});
