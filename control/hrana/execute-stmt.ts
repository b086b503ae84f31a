/**
 * Runs one statement or describes it on a stream's connection. Synchronous:
 * the engine is synchronous, and running a whole statement without yielding
 * keeps other streams from interleaving inside it.
 */
import { bindArgs } from './bind-args.ts';
import type { Connection } from './connection.ts';
import type { DescribeResult, ProtoStmt, StmtResult } from './proto.ts';
import { scanSqlParams } from './sql-params.ts';
import { sqlToValue } from './values.ts';

export function executeStmt(conn: Connection, stmt: ProtoStmt): StmtResult {
  const sql = conn.resolveSql(stmt.sql, stmt.sql_id);
  const args = bindArgs(sql, stmt);
  const prepared = conn.db.prepare(sql);
  // changes() keeps the count of the last INSERT/UPDATE/DELETE, so a SELECT or a
  // CREATE would report a stale number; compare total_changes() around the run.
  const before = conn.counters().total;
  if (!prepared.reader) {
    prepared.run(args);
    const after = conn.counters();
    return {
      cols: [],
      rows: [],
      affected_row_count: after.total === before ? 0 : Number(after.changes),
      last_insert_rowid: after.lastRowid.toString(),
    };
  }
  prepared.raw(true).safeIntegers(true);
  const cols = prepared.columns().map((c) => ({ name: c.name, decltype: c.type }));
  const wantRows = stmt.want_rows ?? true;
  const rows: StmtResult['rows'] = [];
  for (const row of prepared.iterate(args)) {
    if (wantRows && Array.isArray(row)) rows.push(row.map(sqlToValue));
  }
  const after = conn.counters();
  return {
    cols,
    rows,
    affected_row_count: after.total === before ? 0 : Number(after.changes),
    last_insert_rowid: after.lastRowid.toString(),
  };
}

// First keyword decides read-only-ness; good enough for tools that only need a hint.
const READONLY_KEYWORDS = new Set(['SELECT', 'VALUES', 'WITH', 'EXPLAIN']);

export function describeSql(conn: Connection, sql: string): DescribeResult {
  const prepared = conn.db.prepare(sql);
  const params = scanSqlParams(sql).names.map((name) => ({ name }));
  const cols = prepared.reader
    ? prepared.columns().map((c) => ({ name: c.name, decltype: c.type }))
    : [];
  const keyword = firstKeyword(sql);
  return {
    params,
    cols,
    is_explain: keyword === 'EXPLAIN',
    is_readonly: prepared.reader && READONLY_KEYWORDS.has(keyword),
  };
}

function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}
