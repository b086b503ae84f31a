/** Maps the auth clock and `APP_GATES_STATEMENT` rows to the edge's pre-snapshot view of apps. */
import { parseCorsOrigins } from './parse-app.ts';
import { bool, int, str, type Row } from './row-values.ts';

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

/** App id → its gate. */
export function parseAppGateRows(rows: readonly Row[]): Map<string, AppGate> {
  const gates = new Map<string, AppGate>();
  for (const row of rows) {
    const id = str(row, 'id', 'apps row');
    const where = `apps row ${JSON.stringify(id)}`;
    gates.set(id, {
      projectId: str(row, 'project_id', where),
      authRequired: bool(row, 'auth_required', where),
      corsOrigins: parseCorsOrigins(row, where),
    });
  }
  return gates;
}
