import { InvalidArgumentError } from 'commander';
import { pino } from 'pino';

/** pino's levels, and `silent` (pino takes it; it is not in `levels.values`). */
const LEVELS: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

/**
 * Commander parser for `--log-level`: an unknown level is a usage error (exit 2) naming the option
 * and the levels, found before anything starts. Given to pino as it was, it ended the command with
 * pino's own "default level:chatty must be included in custom levels" and exit 1.
 */
export function logLevelArgument(raw: string): string {
  if (!LEVELS.includes(raw)) throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}`);
  return raw;
}
