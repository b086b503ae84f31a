/**
 * Starts `proxy/src/server.ts` as a real child process (one process, or a cluster primary with
 * `PROXY_WORKERS` workers) over a static endpoints file, and reads its `proxy ready` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { APP, PROXY_ID } from './harness.ts';

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
  /** Resolves with the exit code when the process (the primary) exits. */
  readonly exited: Promise<number | null>;
}

export async function spawnProxy(
  endpoints: ReadonlyArray<{ cluster: string; app?: string; url: string }>,
  env: Record<string, string>,
  apps: ReadonlyArray<Record<string, unknown>> = [],
): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-proc-'));
  const endpointsFile = join(dir, 'endpoints.json');
  await writeFile(endpointsFile, JSON.stringify({ endpoints: endpoints.map((e) => ({ app: APP, ...e })), apps }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'proxy/src/server.ts'], {
    env: {
      ...process.env,
      PROXY_ID,
      PROXY_PORT: '0',
      PROXY_AUTH_DISABLED: 'true',
      PROXY_ENDPOINTS_FILE: endpointsFile,
      PROXY_LOG_LEVEL: 'silent',
      PROXY_HEALTH_CHECK_INTERVAL_MS: '60000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = JSON.parse(line) as { msg?: string; url?: string; adminUrl?: string };
      if (m.msg === 'proxy ready' && m.url !== undefined && m.adminUrl !== undefined)
        resolve({ url: m.url, adminUrl: m.adminUrl });
    });
    void exited.then((code) => reject(new Error(`proxy exited early with ${code}`)));
  });
  return { child, ...ready, exited };
}

/** One metric's value (sum over its series matching `labels`) from a Prometheus text scrape. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
