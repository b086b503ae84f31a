/** An unknown command, at any level and even with --help, is a usage error (exit 2), never help and 0. */
import { expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

test.each([
  [['nosuch'], "unknown command 'nosuch'", 'switchyard --help'],
  [['nosuch', '--help'], "unknown command 'nosuch'", 'switchyard --help'],
  [['nosuch', '-h'], "unknown command 'nosuch'", 'switchyard --help'],
  [['help', 'nosuch'], "unknown command 'nosuch'", 'switchyard --help'],
  [['canary', 'nosuch', '--help'], "unknown command 'canary nosuch'", 'switchyard canary --help'],
])('switchyard %j', async (args, said, pointer) => {
  const r = await runCliInProcess(args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(said);
  expect(r.stderr).toContain(pointer);
}, 60_000);

test('known commands still show their help and exit 0', async () => {
  for (const args of [['--help'], ['canary', '--help'], ['help', 'canary']]) {
    const r = await runCliInProcess(args);
    expect(r.code, args.join(' ')).toBe(0);
    expect(r.stdout).toContain('Usage: switchyard');
  }
}, 60_000);

test('other usage errors exit 2 as well', async () => {
  const r = await runCliInProcess(['canary']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('Usage: switchyard canary');
}, 60_000);
