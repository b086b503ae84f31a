import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import type { EnvVars } from '../src/shared-deps.ts';
import { edgeFor } from '../src/index.ts';

// The edge's /health is public. Its decision-log counters show drops during a database outage,
// and since the log drops per app, they learned which apps lost rows: anyone could list tenants
// and gauge their traffic. Then totals only, and `written` still moved by one per request: polling
// it gave anyone the isolate's request rate. Now the public answer is liveness alone; the operator
// key shows totals and how many projects lost rows (the log drops per project), never names (those
// stay in the operator's error log). A real Edge in workerd whose database does not answer (port 1).
const OPERATOR_KEY = 'health-operator-key-0123456789';
const env = { LIBSQL_URL: 'http://127.0.0.1:1', EDGE_DECISION_BATCH: '1', EDGE_DB_TIMEOUT_MS: '50', EDGE_OPERATOR_KEY: OPERATOR_KEY };

describe("the edge's /health during a decision-log outage", () => {
  it('tells the public only that it is up; the operator gets counts that name no app or project', async () => {
    const built = await edgeFor({ ...(workerEnv as unknown as EnvVars), ...env });
    if (!built.ok) throw new Error('edge config invalid');
    const edge = built.edge;
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
    for (let n = 0; n < 60; n++)
      for (const appId of ['tenant-one/private-app', 'tenant-two/other-app'])
        edge.decisions.record({ decision: { id: `${appId}-${n}`, appId } as unknown as Decision, inputJson: '{}', decisionUs: 1 }, ctx.waitUntil);
    expect(edge.decisions.stats().droppedByKey).toBeDefined(); // the log itself knows (error log)

    const open = await edge.handle(new Request('https://edge.test/health'), ctx);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ ok: true });
    const wrong = await edge.handle(new Request('https://edge.test/health', { headers: { 'x-switchyard-operator-key': 'not-the-key-at-all' } }), ctx);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('operator-key-wrong');

    const res = await edge.handle(new Request('https://edge.test/health', { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } }), ctx);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('private-app');
    expect(text).not.toContain('other-app');
    const body = JSON.parse(text) as { decisionLog: { dropped: number; projectsWithDrops: number } };
    expect(body.decisionLog.dropped).toBeGreaterThan(0);
    expect(body.decisionLog.projectsWithDrops).toBe(2);
    expect(text).not.toContain('tenant-one');
    await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, 200))]);
  });
});
