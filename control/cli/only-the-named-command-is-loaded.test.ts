import { expect, test } from 'vitest';
import { modulesFor } from './run-switchyard.ts';

// Each command module brings its own dependencies (libSQL client, servers, charts): a command
// loads its own only; the version, the program's help, no command and an unknown one none (the
// command index answers those; loading all seventeen made `switchyard --help` take ~0.6 s).
test.each([
  { args: ['--version'], loads: 0 },
  { args: ['-V'], loads: 0 },
  { args: ['--help'], loads: 0 },
  { args: ['-h'], loads: 0 },
  { args: [], loads: 0 },
  { args: ['help'], loads: 0 },
  { args: ['no-such-command'], loads: 0 },
  { args: ['help', 'no-such-command'], loads: 0 },
  { args: ['--version', 'replay'], loads: 1 },
  { args: ['--', 'replay', '--input', 'log.ndjson'], loads: 1 },
  { args: ['--help', 'replay'], loads: 1 },
  { args: ['replay', '--input', 'log.ndjson'], loads: 1 },
  { args: ['replay', '--version'], loads: 1 },
  { args: ['help', 'replay'], loads: 1 },
  { args: ['db', 'migrate'], loads: 1 },
])('switchyard $args loads $loads command modules', ({ args, loads }) => {
  expect(modulesFor(args)).toHaveLength(loads);
});
