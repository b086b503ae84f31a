/**
 * `--endpoints-file` names the replicas the proxy serves. A file it cannot read or use (missing,
 * not a list of endpoints, a bad entry) refuses the start with exit 1, naming the file and the
 * problem. Before, the proxy said "proxy ready" with no replicas at all and answered every request
 * as if the app had none (the first load's error was kept for later refreshes to retry).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCliCommand } from '../../control/build/test-cli-command.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-proxy-endpoints-file-'));
});

/** `switchyard proxy` with this endpoints file; killed (code null) if still running after 20 s. */
async function runProxy(endpointsFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = testCliCommand(['proxy', '--workers', '1', '--endpoints-file', endpointsFile]);
  const child = spawn(cli.command, cli.args, {
    env: { ...withoutDatabase(process.env), PROXY_ID: 'proxy-test', PROXY_REGION: 'eu-west', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const hung = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(hung);
  return { code, stdout, stderr };
}

/** The file alone is the replica source: no libSQL from the caller's environment. */
function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { LIBSQL_URL: _url, SWITCHYARD_DB_URL: _alias, ...rest } = env;
  return rest;
}

describe('an endpoints file the proxy cannot use', () => {
  it.each([
    ['missing', null, 'no such file'],
    ['without an endpoints list', '{"x": 1}', 'endpoints: expected a list of {cluster, app, url}'],
    ['with a bad entry', '{"endpoints": [{"cluster": "c1"}]}', 'endpoints[0]: needs string cluster, app and url'],
  ])('%s: refuses the start, naming the file and the problem', async (name, content, problem) => {
    const file = join(dir, `${name.replaceAll(' ', '-')}.json`);
    if (content !== null) await writeFile(file, content);
    const run = await runProxy(file);
    expect(run.stdout).not.toContain('proxy ready');
    expect(run.stderr).toContain(`endpointsFile (PROXY_ENDPOINTS_FILE, --endpoints-file) ${file}`);
    expect(run.stderr).toContain(problem);
    expect(run.code).toBe(1);
  }, 60_000);
});
