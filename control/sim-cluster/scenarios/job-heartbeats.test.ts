import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../server.ts';
import { rawRequest, startTestCluster } from './harness.ts';

describe('job heartbeats', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startTestCluster();
  });
  afterAll(() => sim.close());

  it('holds the request for the duration, one NDJSON heartbeat per interval, then the result', async () => {
    const res = await rawRequest(sim.url, { path: '/v1/jobs', body: JSON.stringify({ durationMs: 500, heartbeatMs: 100 }) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; seq?: number; heartbeats?: number });
    expect(lines.map((l) => l.type)).toEqual(['started', 'heartbeat', 'heartbeat', 'heartbeat', 'heartbeat', 'result']);
    expect(lines[4]?.seq).toBe(4);
    expect(lines[5]).toMatchObject({ status: 'succeeded', heartbeats: 4 });
    // Lines arrive over time, not at the end: the result comes ~500 ms after the start line
    // (a late-read start chunk on a loaded machine can shave some ms off; all-at-once would be ~0).
    const startAt = res.chunks.find((c) => c.text.includes('"started"'))?.at ?? 0;
    const resultAt = res.chunks.find((c) => c.text.includes('"result"'))?.at ?? 0;
    expect(res.chunks.length).toBeGreaterThanOrEqual(5);
    expect(resultAt - startAt).toBeGreaterThanOrEqual(350);
  });

  it('speaks SSE when asked and refuses bad durations', async () => {
    const sse = await rawRequest(sim.url, { path: '/v1/jobs', headers: { accept: 'text/event-stream' }, body: JSON.stringify({ durationMs: 50, heartbeatMs: 20 }) });
    expect(sse.body).toMatch(/^event: started\ndata: \{/);
    expect(sse.body).toContain('event: heartbeat\n');
    expect(sse.body).toContain('event: result\n');
    const bad = await rawRequest(sim.url, { path: '/v1/jobs', body: JSON.stringify({ durationMs: -1 }) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { param: 'durationMs', code: 'invalid_request' } });
  });
});
