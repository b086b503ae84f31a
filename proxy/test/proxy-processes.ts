/**
 * Starts `switchyard proxy` as a real child process (one process, or a cluster primary with
 * `PROXY_WORKERS` workers) over a static endpoints file, and reads its `proxy ready` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { testCliCommand } from '../../control/build/test-cli-command.ts';
import { APP, chatBody, PROXY_ID } from './harness.ts';

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
  /** What node runs (default: `switchyard proxy` from the run's build, test-cli-command.ts), e.g. another build's `main.mjs proxy`. */
  command: readonly string[] = testCliCommand(['proxy']).args,
  /** The process's open-file limit (soft and hard, through util-linux `prlimit`, which execs node: same pid); default: this process's. */
  openFiles: number | null = null,
): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-proc-'));
  const endpointsFile = join(dir, 'endpoints.json');
  await writeFile(endpointsFile, JSON.stringify({ endpoints: endpoints.map((e) => ({ app: APP, ...e })), apps }));
  const argv = openFiles === null ? [process.execPath, ...command] : ['prlimit', `--nofile=${openFiles}:${openFiles}`, process.execPath, ...command];
  const child = spawn(argv[0] as string, argv.slice(1), {
    env: {
      ...process.env,
      PROXY_ID,
      PROXY_PORT: '0',
      PROXY_AUTH_DISABLED: 'true',
      PROXY_ENDPOINTS_FILE: endpointsFile,
      PROXY_LOG_LEVEL: 'silent',
      PROXY_HEALTH_CHECK_INTERVAL_MS: '60000',
      // One process unless the test asks for workers (the command's own default is one per core).
      PROXY_WORKERS: '1',
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

export interface HeldStream {
  /** The answer's status once its head arrives (0 when the connection died first). */
  readonly status: Promise<number>;
  /** Resolves when the response (or the connection) has ended, however it ended. */
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
  close(): void;
}

/** A long streamed chat on a connection of its own, its body read (never left to the GC). */
export function holdStream(baseUrl: string, maxTokens: number): HeldStream {
  let closed = false;
  let onClosed: () => void = () => undefined;
  const closedP = new Promise<void>((resolve) => (onClosed = () => ((closed = true), resolve())));
  let onStatus: (s: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (onStatus = resolve));
  const req = request(
    new URL(`/v4/${APP}/v1/chat/completions`, baseUrl),
    { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' } },
    (res) => {
      onStatus(res.statusCode ?? 0);
      res.resume();
      res.on('error', () => undefined);
      res.on('close', onClosed);
    },
  );
  req.on('error', () => {
    onStatus(0);
    onClosed();
  });
  req.on('close', () => onStatus(0));
  req.end(chatBody({ stream: true, max_tokens: maxTokens }));
  return { status, closed: closedP, isClosed: () => closed, close: () => req.destroy() };
}
