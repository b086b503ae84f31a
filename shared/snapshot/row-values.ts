/**
 * Typed readers for libSQL row values. Rows are plain objects because the same code reads
 * results from the Node client and from the web client inside workerd; integers may arrive as
 * `number` or `bigint` depending on the client's `intMode`, so both are accepted.
 */
import { SnapshotError } from './errors.ts';

/** A libSQL result row seen as plain data. */
export type Row = Readonly<Record<string, unknown>>;

function fail(row: Row, column: string, what: string, where: string): never {
  const value = row[column];
  const shown = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  throw new SnapshotError(
    `${where}: column ${column} must be ${what}, got ${shown ?? String(value)}`,
  );
}

/** A finite number (REAL or INTEGER column). */
export function num(row: Row, column: string, where: string): number {
  const value = row[column];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  return fail(row, column, 'a finite number', where);
}

export function numOrNull(row: Row, column: string, where: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column, where);
}

/** An integer that fits a JS number exactly. */
export function int(row: Row, column: string, where: string): number {
  const n = num(row, column, where);
  if (Number.isInteger(n)) return n;
  return fail(row, column, 'an integer', where);
}

export function intOrNull(row: Row, column: string, where: string): number | null {
  return row[column] === null || row[column] === undefined ? null : int(row, column, where);
}

/** SQLite booleans are integers 0/1. */
export function bool(row: Row, column: string, where: string): boolean {
  const n = int(row, column, where);
  if (n === 0 || n === 1) return n === 1;
  return fail(row, column, '0 or 1', where);
}

/** A nullable boolean (e.g. from a LEFT JOIN); null means "no row". */
export function boolOrNull(row: Row, column: string, where: string): boolean | null {
  return row[column] === null || row[column] === undefined ? null : bool(row, column, where);
}

export function str(row: Row, column: string, where: string): string {
  const value = row[column];
  if (typeof value === 'string') return value;
  return fail(row, column, 'a string', where);
}

export function strOrNull(row: Row, column: string, where: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, column, where);
}

/** A TEXT column holding JSON; parse failures become SnapshotError. */
export function json(row: Row, column: string, where: string): unknown {
  const text = str(row, column, where);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fail(row, column, 'valid JSON', where);
  }
}

/** A row left out of a read that serves every tenant; for the operator's log, never a client. */
export interface UnreadableRow {
  readonly table: string;
  readonly id: string;
  /** The SnapshotError's message: the column and value to fix. */
  readonly error: string;
}

/**
 * Each row parsed on its own: one that does not fit (SnapshotError) is left out and reported, so
 * one tenant's bad row never fails a read every tenant depends on. Other errors still throw.
 */
export function parseEachRow<T>(rows: readonly Row[], table: string, parse: (row: Row) => T): { values: T[]; unreadable: UnreadableRow[] } {
  const values: T[] = [];
  const unreadable: UnreadableRow[] = [];
  for (const row of rows) {
    try {
      values.push(parse(row));
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      const id = row['id'];
      unreadable.push({ table, id: typeof id === 'string' ? id : String(id), error: err.message });
    }
  }
  return { values, unreadable };
}
