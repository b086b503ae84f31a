/**
 * A child's last output can still be in its stdout pipe when its 'exit' arrives (a draining
 * proxy logs as it exits). The supervisor must keep copying it to the log until the pipe closes:
 * ending the log at 'exit' threw "write after end" as an uncaught exception in whatever ran the
 * stack (an e2e file that SIGTERMs a proxy failed that way on a loaded machine) and lost the lines.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.ts';

describe('a child that writes as it exits', () => {
  it('has all of its output in its log, and nothing throws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-supervisor-'));
    const sup = new Supervisor(dir);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // Ready at once; then, on SIGTERM, 4 MiB of output right before exiting.
      const script = [
        "process.on('SIGTERM', () => {",
        "  const line = 'x'.repeat(1023) + '\\n';",
        '  for (let i = 0; i < 4096; i++) process.stdout.write(line);',
        "  process.stdout.write('last line\\n', () => process.exit(0));",
        '});',
        'setInterval(() => undefined, 1000);',
        "process.stdout.write('ready\\n');",
      ].join('\n');
      const log = join(dir, 'chatty.log');
      const ready = (): Promise<boolean> => readFile(log, 'utf8').then((t) => t.includes('ready'), () => false);
      await sup.start({ name: 'chatty', role: 'test child', command: process.execPath, args: ['-e', script], ready });
      await sup.kill('chatty', 'SIGTERM');
      const deadline = Date.now() + 5_000;
      let text = '';
      while (Date.now() < deadline) {
        text = await readFile(log, 'utf8');
        if (text.endsWith('last line\n')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(text.slice(-40)).toBe('x'.repeat(29) + '\nlast line\n');
      expect(text.length).toBe('ready\n'.length + 4096 * 1024 + 'last line\n'.length);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  }, 20_000);
});
