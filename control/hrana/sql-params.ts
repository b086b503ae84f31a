/**
 * Finds the parameters of one SQL statement the way SQLite numbers them, so
 * named arguments can be bound by position. We bind only positional arrays
 * because the engine's object binding aborts the process on some inputs
 * (numeric keys, mixed named and positional parameters).
 *
 * SQLite's rules: `?` takes the next index; `?NNN` takes index NNN; `:name`,
 * `@name` and `$name` take the next index on first use and reuse it after.
 */

export interface SqlParams {
  /** Highest parameter index (SQLite's sqlite3_bind_parameter_count). */
  count: number;
  /** Index (1-based) of each named parameter, keyed by its name with prefix. */
  byName: ReadonlyMap<string, number>;
  /** names[i] is the name of parameter i+1 (`?NNN`, `:a`...), null for `?` or unused. */
  names: ReadonlyArray<string | null>;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
// SQLite identifier characters: ASCII letters, digits, `_`, `$` and anything non-ASCII.
const isIdChar = (c: string): boolean =>
  (c >= 'a' && c <= 'z') ||
  (c >= 'A' && c <= 'Z') ||
  isDigit(c) ||
  c === '_' ||
  c === '$' ||
  c > '\x7f';

/** Scan `sql` (one statement) for its parameters; never throws. */
export function scanSqlParams(sql: string): SqlParams {
  const byName = new Map<string, number>();
  const names: Array<string | null> = [];
  let count = 0;
  const setName = (index: number, name: string | null): void => {
    while (names.length < index) names.push(null);
    if (name !== null) names[index - 1] = name;
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charAt(i);
    if (c === "'" || c === '"' || c === '`') {
      // Quoted string or identifier; a doubled quote is an escaped quote.
      i += 1;
      while (i < n) {
        if (sql.charAt(i) === c) {
          if (sql.charAt(i + 1) === c) i += 2;
          else break;
        } else i += 1;
      }
      i += 1;
    } else if (c === '[') {
      const end = sql.indexOf(']', i + 1);
      i = end < 0 ? n : end + 1;
    } else if (c === '-' && sql.charAt(i + 1) === '-') {
      const end = sql.indexOf('\n', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql.charAt(i + 1) === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '?') {
      let j = i + 1;
      while (j < n && isDigit(sql.charAt(j))) j += 1;
      if (j > i + 1) {
        const index = Number(sql.slice(i + 1, j));
        const name = sql.slice(i, j);
        if (index > 0) {
          count = Math.max(count, index);
          setName(index, name);
        }
      } else {
        count += 1;
        setName(count, null);
      }
      i = j;
    } else if (c === ':' || c === '@' || c === '$') {
      let j = i + 1;
      while (j < n) {
        const d = sql.charAt(j);
        if (isIdChar(d)) j += 1;
        // TCL-style `$a::b(x)` variables are legal in SQLite; keep them whole.
        else if (c === '$' && d === ':' && sql.charAt(j + 1) === ':') j += 2;
        else if (c === '$' && d === '(') {
          const end = sql.indexOf(')', j);
          j = end < 0 ? n : end + 1;
          break;
        } else break;
      }
      if (j > i + 1) {
        const name = sql.slice(i, j);
        if (!byName.has(name)) {
          count += 1;
          byName.set(name, count);
          setName(count, name);
        }
      }
      i = j;
    } else if (isIdChar(c)) {
      // A word (keyword, identifier or number): `$` inside it is not a parameter.
      let j = i + 1;
      while (j < n && isIdChar(sql.charAt(j))) j += 1;
      i = j;
    } else {
      i += 1;
    }
  }
  setName(count, null);
  return { count, byName, names };
}
