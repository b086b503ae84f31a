/**
 * One INSERT per up to `perStatement` rows instead of one per row. SQLite compiles every trigger a
 * statement may fire (and those their bodies fire) into each statement it prepares; on `outcomes`
 * and `decisions` (migrations 19–22) that compile costs more than writing the row, so a writer
 * that prepares one statement per row pays it per row (bench/outcome-write-cost.ts). Pure data.
 */

/** 50 rows × up to 16 columns stays under SQLite's oldest limit of 999 variables per statement. */
export const ROWS_PER_STATEMENT = 50;

export type Arg = string | number | null;

/**
 * `head` is everything before VALUES (`INSERT OR IGNORE INTO t (a, b)`), `tail` anything after the
 * rows (an upsert's `ON CONFLICT … DO UPDATE`); every row has the same number of args. Rows keep
 * their order, so conflict rules apply as if written one by one.
 */
export function multiRowInserts(head: string, rows: ReadonlyArray<readonly Arg[]>, perStatement = ROWS_PER_STATEMENT, tail = ''): Array<{ sql: string; args: Arg[] }> {
  const out: Array<{ sql: string; args: Arg[] }> = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const one = `(${Array((chunk[0] ?? []).length).fill('?').join(', ')})`;
    out.push({ sql: `${head} VALUES ${chunk.map(() => one).join(', ')}${tail === '' ? '' : ` ${tail}`}`, args: chunk.flat() });
  }
  return out;
}
