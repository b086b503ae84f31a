/**
 * Commander checks required options before unknown ones, so `switchyard apply --bogus` blamed the
 * missing `-f` and never named the typo. This moves the required-option check after commander's
 * unknown-option and argument checks (into a preAction hook), with commander's own message.
 */
import type { Command, Option } from 'commander';
import { errorText } from './error-line.ts';

/** Call once, after every command is registered. */
export function checkRequiredOptionsLast(program: Command): void {
  const required = new Map<Command, Option[]>();
  const visit = (cmd: Command): void => {
    const mandatory = cmd.options.filter((o) => o.mandatory);
    for (const o of mandatory) o.mandatory = false;
    if (mandatory.length > 0) required.set(cmd, mandatory);
    cmd.commands.forEach(visit);
  };
  visit(program);
  program.hook('preAction', (_program, action) => {
    for (let cmd: Command | null = action; cmd !== null; cmd = cmd.parent) {
      for (const o of required.get(cmd) ?? []) {
        if (cmd.getOptionValue(o.attributeName()) === undefined) {
          action.error(errorText(`required option '${o.flags}' not specified`), { code: 'commander.missingMandatoryOptionValue' });
        }
      }
    }
  });
}
