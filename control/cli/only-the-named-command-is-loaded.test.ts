import { expect, test } from 'vitest';
import { modulesFor } from './run-switchyard.ts';

// Each command module brings its own dependencies (libSQL client, servers, charts): a command
// loads its own only, and the version none (all of them made `switchyard --version` take 0.6 s).
const ALL = 'all' as const;

test.each([
  { args: ['--version'], loads: 0 },
  { args: ['-V'], loads: 0 },
  { args: ['replay', '--input', 'log.ndjson'], loads: 1 },
  { args: ['replay', '--version'], loads: 1 },
  { args: ['--version', 'replay'], loads: ALL },
  { args: ['--help'], loads: ALL },
  { args: [], loads: ALL },
  { args: ['no-such-command'], loads: ALL },
])('switchyard $args loads $loads command modules', ({ args, loads }) => {
  const all = modulesFor(['--help']).length;
  expect(all).toBeGreaterThan(1);
  expect(modulesFor(args)).toHaveLength(loads === ALL ? all : loads);
});
