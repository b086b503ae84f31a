import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { resolveDb, withDbFlags, type DbFlags, type ResolvedDb } from '../../config/db-flags.ts';
import { openResolvedDb } from '../../config/open-db.ts';
import { localPathOf } from '../../store/local-path.ts';
import { migrate } from '../../store/migrate.ts';
import { pruneDecisionLog } from '../../store/prune-decision-log.ts';
import { parseDurationMs } from '../../../shared/env/field-parsers.ts';
import { UsageError } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

/** Apply pending migrations and say what happened, one line each. */
export async function runDbMigrate(
  db: ResolvedDb,
  out: (line: string) => void,
): Promise<void> {
  const path = localPathOf(db.url);
  // A first run on a fresh checkout should just work: create the database's directory.
  if (path !== null) mkdirSync(dirname(path), { recursive: true });
  const store = openResolvedDb(db, { create: true });
  try {
    const result = await migrate(store.client);
    for (const m of result.applied) out(`applied migration ${m.version}: ${m.name}`);
    out(
      result.applied.length === 0
        ? `${db.url} is up to date (schema version ${result.version})`
        : `${db.url} is now at schema version ${result.version}`,
    );
  } finally {
    store.close();
  }
}

/** The youngest rows `db prune` may delete: the edge's snapshot reads the last minutes of outcomes. */
export const MIN_RETENTION_MS = 3_600_000;

/** The oldest cutoff `db prune` takes: further back than this is before any record (and past what a date can hold). */
export const MAX_RETENTION_MS = 100 * 365 * 86_400_000;

/** `--older-than` as milliseconds, or a usage error that says what is accepted. */
export function retentionMs(raw: string): number {
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw new UsageError(`--older-than: expected a duration such as 36h or 7d, got ${JSON.stringify(raw)}`);
  // A bare number would be milliseconds: `7` meant 7 days far more often than 7 ms.
  if (/^\s*\d+(\.\d+)?\s*$/.test(raw)) throw new UsageError(`--older-than: give a unit (h or d, e.g. ${raw.trim()}d or ${raw.trim()}h), got ${raw}`);
  if (ms < MIN_RETENTION_MS) throw new UsageError(`--older-than: at least 1h (the snapshot reads recent outcomes, and replay and explain need history), got ${raw}`);
  if (ms > MAX_RETENTION_MS) throw new UsageError(`--older-than: at most 36500d (100 years; no record is older), got ${raw}`);
  return ms;
}

/** Delete decisions and outcomes older than `olderThanMs`, and say how many went (or would). */
export async function runDbPrune(
  db: ResolvedDb,
  opts: { olderThanMs: number; dryRun: boolean; now: number },
  out: (line: string) => void,
): Promise<void> {
  const store = openResolvedDb(db);
  try {
    const before = opts.now - opts.olderThanMs;
    const r = await pruneDecisionLog(store.client, { before, dryRun: opts.dryRun });
    const verb = opts.dryRun ? 'would delete' : 'deleted';
    // Held back per app: only a rollout's own app keeps its older rows.
    const held = [...r.heldBack].map(([app, at]) => `${app} from ${new Date(at).toISOString()}`);
    const kept = held.length > 0 ? ` (kept ${held.join(', ')}: a rollout in progress reads them)` : '';
    out(`${verb} ${r.decisions} decisions, ${r.outcomes} outcomes and ${r.snapshots} snapshots no decision names from before ${new Date(r.cutoff).toISOString()}${kept}`);
  } finally {
    store.close();
  }
}

/** `switchyard db migrate|prune [--db URL] [--auth-token T]` */
export function register(program: Command): void {
  const db = program.command('db').description(describeCommand('db'));
  withDbFlags(
    db.command('migrate').description('create or upgrade the libSQL schema (idempotent)'),
  ).action(async (opts: DbFlags) => {
    await runDbMigrate(resolveDb(opts, process.env), (line) => process.stdout.write(`${line}\n`));
  });
  withDbFlags(
    db
      .command('prune')
      .description('delete decisions and outcomes older than a duration (run it from cron; batched, safe next to live traffic)')
      .requiredOption('--older-than <duration>', 'how much history to keep, at least 1h (e.g. 36h, 7d)')
      .option('--dry-run', 'count what would be deleted, delete nothing'),
  ).action(async (opts: DbFlags & { olderThan: string; dryRun?: boolean }) => {
    const olderThanMs = retentionMs(opts.olderThan);
    await runDbPrune(resolveDb(opts, process.env), { olderThanMs, dryRun: opts.dryRun === true, now: Date.now() }, (line) => process.stdout.write(`${line}\n`));
  });
}
