/** Test helper: a Hrana server on a fresh temp database, port 0. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHranaServer, type HranaServer, type HranaServerOptions } from './server.ts';

export interface TestServer extends HranaServer {
  dbPath: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: Partial<Omit<HranaServerOptions, 'dbPath' | 'port'>> = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hrana-test-'));
  const dbPath = join(dir, 'test.db');
  const server = await startHranaServer({ ...options, dbPath, port: 0 });
  return {
    ...server,
    dbPath,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
