/** A real dashboard on port 0 over a migrated temp libSQL database, for this folder's tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startDashboard, type DashboardHandle } from './start-dashboard.ts';

export const TEST_OPERATOR_KEY = 'test-operator-key-0123456789';

export interface TestDashboard {
  readonly url: string;
  readonly db: Client;
  readonly handle: DashboardHandle;
  readonly reportsDir: string;
  close(): Promise<void>;
}

export async function startTestDashboard(): Promise<TestDashboard> {
  const store: TempStore = await openTempStore();
  const reportsDir = mkdtempSync(join(tmpdir(), 'switchyard-reports-'));
  const handle = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    dbUrl: `file:${store.path}`,
    dbAuthToken: undefined,
    operatorKey: TEST_OPERATOR_KEY,
    pollMs: 100,
    bucketMs: 1000,
    keepBuckets: 10,
    feedSize: 5,
    reportsDir,
  });
  return {
    url: handle.url,
    db: store.client,
    handle,
    reportsDir,
    close: async () => {
      await handle.close();
      store.dispose();
    },
  };
}

export const withKey = { 'x-switchyard-operator-key': TEST_OPERATOR_KEY };

/** The exact table the OTLP receiver (control/otlp-receiver/) creates. */
export const TRACE_SPANS_DDL = `CREATE TABLE trace_spans(trace_id, span_id, parent_span_id, name, service, kind INTEGER, start_unix_nano INTEGER, end_unix_nano INTEGER, status_code INTEGER, attributes_json TEXT)`;
