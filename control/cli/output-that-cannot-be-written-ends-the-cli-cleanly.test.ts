/**
 * The CLI's own output cannot be written. `switchyard … | head`: the reader closes the pipe before
 * the CLI has written everything; `switchyard … > /dev/full`: the disk is full. Both used to kill
 * the CLI with an unhandled 'error' event and a stack trace on stderr. A closed pipe now ends it
 * as a Unix tool killed by SIGPIPE ends (status 141, nothing on stderr); any other failure is one
 * `error:` line and status 1.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { expect, test } from 'vitest';
import { switchyardCommand } from './switchyard-command.ts';

async function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  // 'close', not 'exit': the child's stderr may still hold its last line when it exits.
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

test('a closed stdout ends the CLI with status 141 and no stack trace', async () => {
  const cli = switchyardCommand(['--help']);
  const child = spawn(cli.command, cli.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the CLI writes its help: every write to stdout fails with EPIPE.
  child.stdout?.destroy();
  expect(await exitOf(child)).toEqual({ code: 141, stderr: '' });
}, 30_000);

test.skipIf(!existsSync('/dev/full'))('a full disk under stdout is one error line and status 1', async () => {
  const cli = switchyardCommand(['--help']);
  const full = openSync('/dev/full', 'w');
  try {
    const child = spawn(cli.command, cli.args, { stdio: ['ignore', full, 'pipe'] });
    expect(await exitOf(child)).toEqual({ code: 1, stderr: 'error: cannot write to stdout: ENOSPC: no space left on device, write\n' });
  } finally {
    closeSync(full);
  }
}, 30_000);
