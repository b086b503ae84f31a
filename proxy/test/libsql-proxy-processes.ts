/**
 * Real processes around one libSQL: the project's libSQL server (Hrana over HTTP) and proxies
 * reading it (`SWITCHYARD_DB_URL`), each `switchyard proxy` (test-cli-command.ts). For tests of what
 * proxies share through libSQL (limits, token budgets).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Client } from '@libsql/client';
import { testCliCommand } from '../../control/build/test-cli-command.ts';
import { APP } from './harness.ts';

export interface ChildWithUrl {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** A child process's first JSON stdout line with a `url` (proxy and libSQL server both print one). */
function readyUrl(child: ChildProcess, what: string): Promise<string> {
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  return new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = JSON.parse(line) as { url?: unknown };
      if (typeof m.url === 'string') resolve(m.url);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited early with ${code}`)));
  });
}

export async function spawnLibsqlServer(dbPath: string): Promise<ChildWithUrl> {
  const env = { ...process.env };
  delete env['LIBSQL_SERVER_AUTH_TOKEN'];
  const cli = testCliCommand(['libsql-server', '--db', dbPath, '--port', '0']);
  const child = spawn(cli.command, cli.args, {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { id: 'libsql', url: await readyUrl(child, 'libsql-server'), child };
}

export async function spawnDbProxy(id: string, dbUrl: string, jwks: string, env: Record<string, string> = {}): Promise<ChildWithUrl> {
  const cli = testCliCommand(['proxy']);
  const child = spawn(cli.command, cli.args, {
    env: {
      ...process.env,
      PROXY_ID: id,
      PROXY_REGION: 'eu-west',
      PROXY_PORT: '0',
      PROXY_JWKS: jwks,
      SWITCHYARD_DB_URL: dbUrl,
      PROXY_LOG_LEVEL: process.env['TEST_PROXY_LOG'] ?? 'silent',
      PROXY_DRAIN_DEADLINE_MS: '0',
      PROXY_HEALTH_CHECK_INTERVAL_MS: '60000',
      // One process unless the test asks for workers (the command's own default is one per core).
      PROXY_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { id, url: await readyUrl(child, `proxy ${id}`), child };
}

/** Project `acme`, its keyed app `acme/chat` (round-robin, no limits, `requests` as given) and one healthy endpoint on c1. */
export async function seedAcmeChat(client: Client, endpointUrl: string, requests: Record<string, unknown> = {}): Promise<void> {
  const now = Date.now();
  await client.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
  await client.execute({
    sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
            residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
          VALUES (?, 'acme', 'chat', 'round-robin', 1, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, ?)`,
    args: [APP, JSON.stringify(requests), now],
  });
  await client.execute({ sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)', args: ['c1', APP, endpointUrl, now] });
}
