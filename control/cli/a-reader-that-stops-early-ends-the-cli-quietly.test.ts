/**
 * `switchyard … | head`: the reader closes the pipe before the CLI has written everything. The
 * CLI used to die of an unhandled 'error' event (EPIPE) with a stack trace on stderr; it now ends
 * as a Unix tool killed by SIGPIPE does: status 141 and nothing on stderr.
 */
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { switchyardCommand } from './switchyard-command.ts';

test('a closed stdout ends the CLI with status 141 and no stack trace', async () => {
  const cli = switchyardCommand(['--help']);
  const child = spawn(cli.command, cli.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the CLI writes its help: every write to stdout fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(stderr).toBe('');
  expect(code).toBe(141);
}, 30_000);
