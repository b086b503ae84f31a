/** Maps the auth clock and `APP_GATES_STATEMENT` rows to the edge's pre-snapshot view of apps. */
import { parseCorsOrigins } from './parse-app.ts';
import { bool, int, parseEachRow, str, type Row, type UnreadableRow } from './row-values.ts';

/** The part of an app the edge needs before it may load the app's snapshot. */
export interface AppGate {
  readonly projectId: string;
  readonly authRequired: boolean;
  readonly corsOrigins: readonly string[];
}

/** The clock's value; 0 when the row is missing (a database migrated without its seed row). */
export function parseAuthClockRow(row: Row | undefined): number {
  return row === undefined ? 0 : int(row, 'seq', 'auth_clock row');
}

/**
 * App id → its gate, for every tenant at once. A row that cannot be read (a hand edit, a newer
 * writer's value) is left out and returned in `unreadable`: its app is then unknown to the edge,
 * affecting only its tenant, instead of the whole read failing for every tenant.
 */
export function parseAppGateRows(rows: readonly Row[]): { gates: Map<string, AppGate>; unreadable: UnreadableRow[] } {
  const { values, unreadable } = parseEachRow(rows, 'apps', (row) => {
    const id = str(row, 'id', 'apps row');
    const where = `apps row ${JSON.stringify(id)}`;
    const gate: AppGate = {
      projectId: str(row, 'project_id', where),
      authRequired: bool(row, 'auth_required', where),
      corsOrigins: parseCorsOrigins(row, where),
    };
    return [id, gate] as const;
  });
  return { gates: new Map(values), unreadable };
}
