import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_INDEX, registerCommandIndex } from './command-index.ts';
import { runCliInProcess } from './run-cli-in-process.ts';
import { allCommandModules, newProgram } from './run-switchyard.ts';

const QUIET = { writeOut: () => undefined, writeErr: () => undefined, helpWidth: 100 };

/** The program with every command module registered, as the CLI built it before the index. */
async function fromModules(): Promise<Command> {
  const program = newProgram(QUIET);
  for (const load of allCommandModules()) (await load()).register(program);
  return program;
}

describe('the command index answers for the command modules', () => {
  it('lists the same commands, in the same order, as the modules register', async () => {
    const names = (await fromModules()).commands.map((c) => c.name());
    expect(names).toEqual(Object.keys(COMMAND_INDEX));
  });

  it('renders `switchyard --help` exactly as the modules do', async () => {
    const indexed = newProgram(QUIET);
    registerCommandIndex(indexed);
    expect(indexed.helpInformation()).toEqual((await fromModules()).helpInformation());
  });

  it.each([
    [['help', 'replay'], /Usage: switchyard replay \[options\]/],
    [['simulate', '--help'], /Usage: switchyard simulate \[options\] <scenario>/],
    [['help', 'db'], /Commands:\s+migrate/],
  ])('switchyard %j shows the command’s own help, from its module', async (args, want) => {
    const r = await runCliInProcess(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(want);
  });

  it.each([
    [['replya'], /unknown command 'replya'/],
    [['help', 'nosuch'], /unknown command 'nosuch'/],
    [[], /needs a command/],
  ])('switchyard %j is a usage error naming the problem', async (args, want) => {
    const r = await runCliInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
  });
});
