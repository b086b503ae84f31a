/**
 * The benches' one way to run a helper process (an upstream, a proxy, a load client) and wait
 * for the JSON line it prints once ready (its port, its results).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `node [nodeArgs] --import tsx <repo>/<script> [args]`, stdout piped for JSON lines. */
export function tsx(script: string, args: readonly string[] = [], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** `node [nodeArgs] <entry> [args]`: a built CLI (`npm run build`, as production runs it), stdout piped for JSON lines. */
export function builtCli(entry: string, args: readonly string[] = [], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The first line of the child's stdout that is JSON and `accept`s; rejects if the child exits first. */
export function firstJsonLine<T>(child: ChildProcess, accept: (v: Record<string, unknown>) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('no stdout'));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as Record<string, unknown>;
        if (accept(v)) resolve(v as T);
      } catch {
        /* not ours */
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

/**
 * The benches' upstream (bench/proxy/upstream.ts) and a proxy endpoints file in `dir` that
 * serves `bench/app` from it, every function allowed (the proxy runs with auth disabled).
 */
export async function benchUpstream(dir: string): Promise<{ upstream: ChildProcess; port: number; endpointsFile: string }> {
  const upstream = tsx('bench/proxy/upstream.ts', []);
  const { port } = await firstJsonLine<{ port: number }>(upstream, (v) => 'port' in v);
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(
    endpointsFile,
    JSON.stringify({
      endpoints: [{ cluster: 'c1', app: 'bench/app', url: `http://127.0.0.1:${port}` }],
      apps: [{ id: 'bench/app', requests: { functions: ['*'] } }],
    }),
  );
  return { upstream, port, endpointsFile };
}
