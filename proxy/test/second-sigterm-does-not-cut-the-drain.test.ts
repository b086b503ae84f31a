/**
 * A second SIGTERM while the proxy drains must not kill it. Process managers repeat signals:
 * tsx's CLI (which `npm start` / the dev stack used to launch proxies with) re-sends SIGTERM to
 * its child when the child's acknowledgement takes over 30 ms — routine on a loaded machine —
 * and a supervisor that signals the process group delivers one to each process. With a one-shot
 * handler the repeat met Node's default action and the proxy died mid-drain: the streams it was
 * handing off were cut (the edge saw "Network connection lost" instead of the reconnect event).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, PROXY_ID, chatBody, rawRequest, sseData, startReplica, testKeys } from './harness.ts';

describe('a repeated SIGTERM during the drain', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
  });
  afterAll(() => sim.close());

  it('is ignored: the stream in flight still finishes and the proxy exits 0', async () => {
    const keys = await testKeys();
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-sigterm2-'));
    const endpointsFile = join(dir, 'endpoints.json');
    await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ cluster: 'c1', app: APP, url: sim.url }] }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'proxy/src/server.ts'], {
      env: {
        ...process.env,
        PROXY_ID,
        PROXY_PORT: '0',
        PROXY_JWKS: keys.jwks,
        PROXY_ENDPOINTS_FILE: endpointsFile,
        PROXY_LOG_LEVEL: 'silent',
        PROXY_DRAIN_DEADLINE_MS: '5000',
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
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const r = await stream;
    expect(r.complete).toBe(true);
    expect(sseData(r.body).at(-1)).toBe('[DONE]');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 20_000);
});
