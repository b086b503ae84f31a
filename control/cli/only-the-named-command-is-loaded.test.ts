import { expect, test } from 'vitest';
import { modulesFor } from './run-switchyard.ts';

// Each command module brings its own dependencies (libSQL client, servers, charts): a command
// loads its own only, and the version none (all of them made `switchyard --version` take 0.6 s).
test.each([
  { args: ['--version'], loads: 0 },
  { args: ['-V'], loads: 0 },
  { args: ['replay', '--input', 'log.ndjson'], loads: 1 },
  { args: ['replay', '--version'], loads: 1 },
  { args: ['--version', 'replay'], loads: 17 },
  { args: ['--help'], loads: 17 },
  { args: [], loads: 17 },
  { args: ['no-such-command'], loads: 17 },
])('switchyard $args loads $loads command modules', ({ args, loads }) => {
  expect(modulesFor(args)).toHaveLength(loads);
});
