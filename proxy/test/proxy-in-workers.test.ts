/**
 * The harness's worker mode is the real thing: a primary with worker processes serving the
 * fixture's config on one port, whose in-process-only handles fail loudly, and whose teardown
 * leaves no process behind (else every file in the proxy-workers project would leak three).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from './harness.ts';
import { metricSum } from './proxy-processes.ts';
import { startProxyInWorkers, workersFromEnv } from './proxy-in-workers.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('SY_TEST_PROXY_WORKERS', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['1', null],
    ['2', 2],
    ['16', 16],
  ])('%s → %s', (raw, want) => {
    expect(workersFromEnv(raw === undefined ? {} : { SY_TEST_PROXY_WORKERS: raw })).toBe(want);
  });
  it.each(['0', '17', 'two', '1.5'])('%s is refused, naming the variable', (raw) => {
    expect(() => workersFromEnv({ SY_TEST_PROXY_WORKERS: raw })).toThrow(/SY_TEST_PROXY_WORKERS must be a whole number 1–16/);
  });
});

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('a proxy started in worker processes', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('serves the fixture config from two workers, one scrape sums them, and close ends them all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-workers-'));
    const endpointsFile = join(dir, 'endpoints.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ app: APP, cluster: 'c1', url: sim.url }] }));
    const proxy = await startProxyInWorkers(dir, { id: 'proxy-test', port: 0, endpointsFile, logLevel: 'silent', authDisabled: true }, 2);
    // Fresh connections: node:cluster hands them to the workers in turn.
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2 }), headers: { connection: 'close' } }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const scrape = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
    expect(metricSum(scrape, 'switchyard_proxy_requests_total')).toBe(6);
    expect(() => proxy.runtime).toThrow(/in-process proxy.*SY_TEST_PROXY_WORKERS/);
    expect(() => proxy.refresh()).toThrow(/in-process/);
    await proxy.close();
    expect(await refused(proxy.port)).toBe(true);
    expect(await refused(Number(new URL(proxy.adminUrl).port))).toBe(true);
  });
});
