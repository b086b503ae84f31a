/**
 * A proxy (in this process, in-region fixture) whose one upstream answers a POST with an 8 MiB
 * result, and a job of `acme/open` run to completion: what the job-result download tests need.
 * Registers its own beforeAll/afterAll.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { useServer } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const MIB = 1024 * 1024;
/** Each job's result. */
export const RESULT = Buffer.alloc(8 * MIB, 'x');

export interface JobResultProxy {
  /** The proxy's base URL. */
  url(): string;
  /** Its port, for raw-socket clients. */
  port(): number;
  /** Where the proxy keeps result files. */
  jobsDir(): string;
  /** Submits a job and waits for it to complete: its id. */
  finishedJob(): Promise<string>;
}

export function useJobResultProxy(dirPrefix: string): JobResultProxy {
  const upstream = useServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.method === 'POST' ? RESULT : 'ok'));
  });
  let f: InRegionFixture | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), dirPrefix));
    f = await startInRegionFixture(upstream.url(), { proxyConfig: { jobsDir: dir, jobMaxResultBytes: 16 * MIB } });
  });
  afterAll(async () => {
    await f?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const url = (): string => {
    if (f === undefined) throw new Error('the job-result proxy starts in beforeAll');
    return f.proxy.url;
  };
  return {
    url,
    port: () => Number(new URL(url()).port),
    jobsDir: () => dir,
    async finishedJob() {
      const res = await fetch(`${url()}/v4/acme/open/v1/chat/completions?async=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"demo-llm"}' });
      expect(res.status).toBe(202);
      const id = ((await res.json()) as { id: string }).id;
      await waitFor(async () => ((await (await fetch(`${url()}/_switchyard/jobs/${id}`)).json()) as { status: string }).status === 'completed', 'the job completes', 20_000);
      return id;
    },
  };
}
