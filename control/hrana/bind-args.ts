/**
 * Turns a statement's positional and named arguments into one positional
 * array, the only binding form we give the engine (see sql-params.ts).
 */
import { badRequest } from './errors.ts';
import type { ProtoStmt } from './proto.ts';
import { scanSqlParams } from './sql-params.ts';
import { valueToSql, type SqlValue } from './values.ts';

export function bindArgs(sql: string, stmt: ProtoStmt): SqlValue[] {
  const args = stmt.args ?? [];
  const named = stmt.named_args ?? [];
  if (args.length === 0 && named.length === 0) return [];
  const params = scanSqlParams(sql);
  if (args.length > params.count) {
    throw badRequest(
      `Statement has ${params.count} parameter(s) but ${args.length} positional argument(s) were given`,
    );
  }
  const bound: SqlValue[] = new Array<SqlValue>(params.count).fill(null);
  args.forEach((value, i) => {
    bound[i] = valueToSql(value);
  });
  for (const arg of named) {
    // Clients may omit the prefix; try the three SQLite prefixes like sqld does.
    const candidates = /^[:@$]/.test(arg.name)
      ? [arg.name]
      : [`:${arg.name}`, `@${arg.name}`, `$${arg.name}`];
    const index = candidates.map((name) => params.byName.get(name)).find((i) => i !== undefined);
    if (index === undefined) {
      throw badRequest(`Statement has no parameter named ${JSON.stringify(arg.name)}`);
    }
    bound[index - 1] = valueToSql(arg.value);
  }
  return bound;
}
