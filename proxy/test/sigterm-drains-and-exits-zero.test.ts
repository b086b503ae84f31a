import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, PROXY_ID, chatBody, rawRequest, sseData, startReplica, testKeys } from './harness.ts';

describe('SIGTERM drains a real proxy process without cutting a stream, then exits 0', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('finishes the stream that was in flight when the signal arrived', async () => {
    const keys = await testKeys();
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-sigterm-'));
    const endpointsFile = join(dir, 'endpoints.json');
    await writeFile(
      endpointsFile,
      JSON.stringify({ endpoints: [{ cluster: 'c1', app: APP, url: sim.url }] }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'proxy/src/server.ts'], {
      env: {
        ...process.env,
        PROXY_ID,
        PROXY_PORT: '0',
        PROXY_JWKS: keys.jwks,
        PROXY_ENDPOINTS_FILE: endpointsFile,
        PROXY_LOG_LEVEL: 'silent',
        PROXY_DRAIN_DEADLINE_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const url = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = JSON.parse(line) as { msg?: string; url?: string };
        if (m.msg === 'proxy ready' && m.url !== undefined) resolve(m.url);
      });
      child.once('exit', (code) => reject(new Error(`proxy exited early with ${code}`)));
    });
    let firstChunk: () => void = () => undefined;
    const started = new Promise<void>((r) => (firstChunk = r));
    const stream = rawRequest(url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ stream: true, max_tokens: 12 }),
      headers: { 'x-switchyard-token': await keys.mint() },
      onChunk: () => firstChunk(),
    });
    await started;
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    child.kill('SIGTERM');
    const r = await stream;
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    const [code] = await exited;
    expect(code).toBe(0);
  }, 20_000);
});
