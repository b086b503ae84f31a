/**
 * Where `replay` and `canary status` read decision records: an NDJSON export (`--input`) or the
 * database, found as every command finds it (control/config/db-flags.ts: --db, LIBSQL_URL, the
 * default). Naming both is a usage error: which one was meant cannot be guessed.
 */
import { BacktestError } from '../../backtest/errors.ts';
import { resolveDb, type DbFlags, type ResolvedDb } from '../config/db-flags.ts';

export type DecisionSource = { readonly input: string } | { readonly db: ResolvedDb };

export function decisionSource(
  flags: DbFlags & { input?: string },
  env: NodeJS.ProcessEnv,
): DecisionSource {
  if (flags.input !== undefined && flags.db !== undefined) {
    throw new BacktestError('bad-option', 'give --db <url> or --input <file.ndjson>, not both');
  }
  return flags.input !== undefined ? { input: flags.input } : { db: resolveDb(flags, env) };
}
