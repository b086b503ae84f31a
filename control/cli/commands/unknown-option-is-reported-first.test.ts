/** An unknown option is named before any missing required option: the typo is what to fix first. */
import { expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

test.each([
  [['apply', '--bogus'], "unknown option '--bogus'"],
  [['apply', '--fle', 'x.yaml'], "unknown option '--fle'"],
  [['service-keys', 'create', '--ap', 'acme/chat'], "unknown option '--ap'"],
  [['canary', 'promote', '--bogus'], "unknown option '--bogus'"],
])('switchyard %j names the unknown option, exit 2', async (args, said) => {
  const r = await runCliInProcess(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(said);
  expect(r.stderr).not.toContain('required option');
}, 60_000);

test.each([
  [['apply'], "required option '-f, --file <path>' not specified"],
  [['apply', '--dry-run'], "required option '-f, --file <path>' not specified"],
  [['service-keys', 'create'], "required option '--app <project/app>' not specified"],
])('switchyard %j still names the missing required option, exit 2', async (args, said) => {
  const r = await runCliInProcess(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(said);
}, 60_000);

// The program's own options: `switchyard --bogus` said "`switchyard` needs a command" and
// `switchyard --version` was such a bogus option.
test('switchyard --bogus names the unknown option, exit 2', async () => {
  const r = await runCliInProcess(['--bogus']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("error: unknown option '--bogus'");
}, 60_000);

test.each([['--version'], ['-V']])('switchyard %s prints the version, exit 0', async (flag) => {
  const r = await runCliInProcess([flag]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
}, 60_000);
