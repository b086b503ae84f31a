/**
 * nginx and HAProxy as comparison proxies: installed with apt-get when
 * missing, configured in a temp dir (one worker / one thread, like our single
 * Node process; buffering off; keep-alive to the upstream; long timeouts so
 * SSE streams are held), started in the foreground as child processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Started {
  readonly name: string;
  readonly origin: string;
  /** Pids whose RSS counts as the proxy's memory. */
  pids(): number[];
  stop(): void;
}

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

/** Install nginx/haproxy if missing; returns a note when that failed. */
export function ensureInstalled(): string | null {
  const missing = ['nginx', 'haproxy'].filter((b) => !has(b));
  if (missing.length === 0) return null;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, stdio: 'ignore' })
      : update;
  const still = missing.filter((b) => !has(b));
  return install.status === 0 && still.length === 0
    ? null
    : `could not install ${still.join(', ')} with apt-get (status ${install.status ?? 'signal'}); skipped`;
}

function waitPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tryOnce = (): void => {
      fetch(`http://127.0.0.1:${port}/`)
        .then(() => resolve())
        .catch(() =>
          Date.now() > deadline
            ? reject(new Error(`nothing listening on ${port}`))
            : setTimeout(tryOnce, 50),
        );
    };
    tryOnce();
  });
}

export function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

export async function startNginx(
  dir: string,
  port: number,
  upstreamPort: number,
  workers = 1,
): Promise<Started> {
  const root = join(dir, 'nginx');
  mkdirSync(join(root, 'logs'), { recursive: true });
  const conf = join(root, 'nginx.conf');
  writeFileSync(
    conf,
    `user root;
worker_processes ${workers};
worker_rlimit_nofile 20000;
pid ${root}/nginx.pid;
error_log ${root}/logs/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path ${root}/body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fcgi; uwsgi_temp_path ${root}/uwsgi; scgi_temp_path ${root}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 3600s;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', root, '-c', conf, '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  await waitPort(port);
  return {
    name: 'nginx',
    origin: `http://127.0.0.1:${port}`,
    pids: () => (child.pid === undefined ? [] : [child.pid, ...childPids(child.pid)]),
    stop: () => child.kill('SIGTERM'),
  };
}

export async function startHaproxy(
  dir: string,
  port: number,
  upstreamPort: number,
  threads = 1,
): Promise<Started> {
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(
    conf,
    `global
  maxconn 9500
  nbthread ${threads}
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout http-keep-alive 60s
frontend f
  bind 127.0.0.1:${port}
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:${upstreamPort}
`,
  );
  const child: ChildProcess = spawn('haproxy', ['-f', conf, '-db'], { stdio: 'ignore' });
  await waitPort(port);
  return {
    name: 'haproxy',
    origin: `http://127.0.0.1:${port}`,
    pids: () => (child.pid === undefined ? [] : [child.pid, ...childPids(child.pid)]),
    stop: () => child.kill('SIGTERM'),
  };
}
