/**
 * The one error the snapshot code raises: a row whose values do not fit the domain model
 * (bad residency JSON, unknown strategy, a text where an integer belongs). The message names
 * the table, column and row so an operator can fix the config that wrote it.
 */
export class SnapshotError extends Error {
  readonly code = 'invalid-row' as const;

  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}
