import { readFile } from 'node:fs/promises';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/open-store.ts';
import { applyConfig } from './apply-config.ts';
import { formatIssue, type ConfigIssue } from './config-issue.ts';
import { formatChange } from './diff-config.ts';
import { nothingToApply } from './nothing-to-apply.ts';
import { parseConfig } from './parse-config.ts';
import { readCurrentConfig } from './read-current-config.ts';
import { NOT_READ_YET, storedRows, type StoredRows } from './stored-rows.ts';

export interface RunApplyOptions {
  readonly file: string;
  readonly dbUrl: string;
  readonly authToken?: string | undefined;
  readonly dryRun: boolean;
  readonly now: number;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * `switchyard apply`: validate the whole file first (any error, or a file that declares nothing
 * → print them all, touch nothing, exit 1), then migrate, resolve the file's references against
 * what it declares and what the database holds (one unresolved → print them all, exit 1), diff
 * and write the changes in one batch. Returns the exit code.
 */
export async function runApply(o: RunApplyOptions): Promise<number> {
  let text: string;
  try {
    text = await readFile(o.file, 'utf8');
  } catch (e) {
    o.err(`cannot read ${o.file}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  // The file's own problems, before any database is opened (references it does not satisfy wait
  // for the second parse, once the store has been read).
  const local = parseConfig(text, o.file, NOT_READ_YET);
  if (!local.valid) {
    const all = await withReferenceErrors(text, local.errors, o);
    return refuse(all.errors, o, all.unchecked);
  }
  const nothing = nothingToApply(text, local.config, o.file);
  if (nothing !== null) {
    o.err(`${nothing}; nothing was changed`);
    return 1;
  }
  // A dry run reads what is there: it never creates a database (only a real apply, which migrates).
  const store = openStore({ url: o.dbUrl, authToken: o.authToken, create: !o.dryRun });
  try {
    // Applying to a fresh database is the first thing a new deployment does; migrating is idempotent.
    if (!o.dryRun) await migrate(store.client, { now: o.now });
    const current = await readCurrentConfig(store.client);
    const parsed = parseConfig(text, o.file, storedRows(current));
    if (!parsed.valid) return refuse(parsed.errors, o);
    const changes = await applyConfig(store.client, current, parsed.config, { now: o.now, dryRun: o.dryRun });
    for (const c of changes) o.out(formatChange(c));
    if (changes.length === 0) o.out('no changes');
    else if (o.dryRun) o.out(`dry run: ${changes.length} change${changes.length === 1 ? '' : 's'} not applied`);
    return 0;
  } catch (e) {
    o.err(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    store.close();
  }
}

/**
 * A file refused for its own problems is also checked against what the database holds, so its
 * unresolved references show in the same run rather than the next one (read only: nothing is
 * created or migrated for a refused file). When the database cannot be read, the file's own
 * problems stand alone and a last line says the references were not checked, and why.
 */
async function withReferenceErrors(text: string, local: readonly ConfigIssue[], o: RunApplyOptions): Promise<{ errors: readonly ConfigIssue[]; unchecked: string | null }> {
  let rows: StoredRows;
  let store: ReturnType<typeof openStore> | null = null;
  try {
    store = openStore({ url: o.dbUrl, authToken: o.authToken, create: false });
    rows = storedRows(await readCurrentConfig(store.client));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { errors: local, unchecked: `references to rows this file does not declare were not checked: ${why}` };
  } finally {
    store?.close();
  }
  const all = parseConfig(text, o.file, rows);
  return { errors: all.valid ? local : all.errors, unchecked: null };
}

/** Prints every issue and the verdict; the exit code of a refused file. */
function refuse(errors: readonly ConfigIssue[], o: RunApplyOptions, unchecked: string | null = null): number {
  for (const issue of errors) o.err(formatIssue(issue));
  if (unchecked !== null) o.err(`(${unchecked})`);
  o.err(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${o.file}; nothing was changed`);
  return 1;
}
