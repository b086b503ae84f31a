import { describe, expect, it } from 'vitest';
import { call, OPERATOR_KEY } from './helpers.ts';

// `npx tsx bench/worker.ts` times the synthetic explain path (its "explain" row) through
// `/__bench?kind=explain`. Since explain became operator-only (issue 11 #5) the bench route did
// not pass the operator key on, so every bench run died on a 403 at that row.
describe('the bench route times explain as an operator', () => {
  const path = '/__bench?app=acme/chat&kind=explain&n=5&batches=2';
  const env = { EDGE_BENCH_ROUTE: 'on' };

  it('passes the caller\'s operator key on to the explain requests it times', async () => {
    const res = await call(path, { env, init: { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { kind: string; calls: number };
    expect(body).toMatchObject({ kind: 'explain', calls: 10 });
  });

  // The route itself is operator-only: without the key nothing is read or timed.
  it('without the key the route refuses before reading any snapshot', async () => {
    const res = await call(path, { env });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('operator-key-missing');
  });
});
