/** Reading control-plane state into domain values: statements as data, pure row mappers, loaders. */
export { SnapshotError } from './errors.ts';
export {
  API_KEY_STATEMENT,
  APP_GATES_STATEMENT,
  APP_IDS_STATEMENT,
  AUTH_CLOCK_STATEMENT,
  APP_SNAPSHOT_STATEMENTS,
  SNAPSHOT_PARTS,
  type Statement,
} from './statements.ts';
export {
  buildAppSnapshot,
  worstHealth,
  type BuildSnapshotOptions,
  type SnapshotResults,
} from './build-app-snapshot.ts';
export { parseApiKeyRow, parseAppIdRows } from './parse-api-key.ts';
export { KeyHashFilter, KEY_PREFIX_HEX } from './key-hash-filter.ts';
export { parseAppGateRows, parseAuthClockRow, type AppGate } from './parse-app-gates.ts';
export { parseAppRow } from './parse-app.ts';
export { parseClusterRow } from './parse-cluster.ts';
export { parseResidency } from './parse-residency.ts';
export {
  loadApiKey,
  loadApiKeysByHash,
  loadAppGates,
  loadAppIds,
  loadAuthClock,
  loadAppSnapshot,
  type AuthRead,
  type SnapshotReader,
} from './load-app-snapshot.ts';
export type { Row, UnreadableRow } from './row-values.ts';
