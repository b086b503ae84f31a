/**
 * Pinned jobs and drain hand-off with real processes: a streaming job (x-job-id) starts through
 * the edge; its proxy writes the pin to libSQL. The proxy is sent SIGTERM mid-stream: the
 * client gets the `switchyard.reconnect` event naming the edge. While the proxy is down its
 * cluster is disqualified (draining), so the pin breaks and the decision says why. Once the
 * proxy is back, the job reconnects through the edge from the other side of the world and lands
 * on the same cluster, by the pin.
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS, REFRESH_MS, devLocation, sleep, useStack, waitForDecision } from './stack.ts';

// Inherited by the stack's proxies: drain quickly so the test does not wait 30 s.
process.env['PROXY_DRAIN_DEADLINE_MS'] = '2500';
process.env['PROXY_DRAIN_START_GRACE_MS'] = '500';

const h = useStack(25_800);
const JOB = `job-${Date.now()}`;
const PATH = '/v4/acme/chat/v1/chat/completions';

interface Explained {
  chosen: string | null;
  reason: string;
  jobPin?: { clusterId: string; honoured: boolean; detail: string };
}

async function explain(loc: Parameters<typeof devLocation>[0], job: string | null): Promise<Explained> {
  const res = await fetch(`${h.stack().edgeUrl}/explain${PATH}`, {
    headers: {
      authorization: `Bearer ${h.stack().apiKey}`,
      'x-switchyard-operator-key': h.stack().operatorKey,
      ...devLocation(loc),
      ...(job === null ? {} : { 'x-job-id': job }),
    },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { decision: Explained }).decision;
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

const chat = (maxTokens: number): string =>
  JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: maxTokens, messages: [{ role: 'user', content: 'long job' }] });

describe('a pinned job after its proxy drained', () => {
  it('gets the reconnect event, and lands on the same cluster when it reconnects', async () => {
    const { edgeUrl, apiKey, topology, supervisor } = h.stack();
    // 1. The job starts from New York; 400 tokens at 40/s outlive the proxy's drain deadline.
    const res = await fetch(`${edgeUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-job-id': JOB, ...devLocation(CLIENTS.newYork) },
      body: chat(400),
    });
    expect(res.status).toBe(200);
    const cluster = res.headers.get('x-switchyard-cluster') ?? '';
    const proxyId = topology.clusters.find((c) => c.id === cluster)?.proxyId ?? '';
    expect(proxyId).not.toBe('');
    const body = res.text();

    // 2. The proxy wrote the pin (hash only) as the answer began.
    const pin = await until('the pin row', async () => {
      const rs = await h.db().execute({ sql: "SELECT * FROM job_pins WHERE app_id = 'acme/chat'", args: [] });
      return rs.rows[0] ?? null;
    });
    expect(pin['cluster_id']).toBe(cluster);
    expect(JSON.stringify(pin)).not.toContain(JOB);

    // 3. SIGTERM: the stream ends with the hand-off event naming the edge.
    const spec = supervisor.running.find((c) => c.spec.name === proxyId && !c.exited)?.spec;
    if (spec === undefined) throw new Error(`no running ${proxyId}`);
    await supervisor.kill(proxyId, 'SIGTERM');
    const text = await body;
    const last = text.trimEnd().split('\n\n').at(-1) ?? '';
    expect(last.split('\n')[0]).toBe('event: switchyard.reconnect');
    const handoff = JSON.parse(last.split('\n')[1]?.slice('data: '.length) ?? '{}') as { reconnect: string };
    expect(handoff.reconnect).toBe(`${edgeUrl}${PATH}`);

    // 4. While its proxy is down the cluster is disqualified: the pin breaks, and says why.
    const broken = await until('the broken pin', async () => {
      const d = await explain(CLIENTS.singapore, JOB);
      return d.jobPin?.honoured === false ? d : null;
    });
    expect(broken.jobPin?.detail).toMatch(/draining/);
    expect(broken.chosen).not.toBe(cluster);

    // 5. The proxy is back: the job reconnects from Singapore and lands on its cluster.
    await supervisor.start(spec);
    await until('the pin honoured again', async () => {
      const d = await explain(CLIENTS.singapore, JOB);
      return d.reason === 'pinned-job' ? d : null;
    });
    await sleep(REFRESH_MS);
    const again = await fetch(handoff.reconnect, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-job-id': JOB, ...devLocation(CLIENTS.singapore) },
      body: chat(5),
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-switchyard-cluster')).toBe(cluster);
    await again.text();
    const row = await waitForDecision(h.db(), String(again.headers.get('x-switchyard-decision-id')));
    expect(row['reason']).toBe('pinned-job');

    // Without the job key the same client is routed on its own merits.
    const free = await explain(CLIENTS.singapore, null);
    expect(free.reason).not.toBe('pinned-job');
    expect(free.jobPin).toBeUndefined();
  }, 90_000);
});
