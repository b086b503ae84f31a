/**
 * A streamed answer's first byte is its first body chunk (forward-http.ts `deliver`). A stream
 * that ended before any (the client left during the prefill, the replica cut it) has no TTFB:
 * recorded as the time to that end, its 200 outcome row was the window's least TTFB, so one
 * impatient client made a cluster whose prefill takes seconds look fast to the slowness term
 * (`ttfbUnexplained` reads MIN(ttfb_ms) of the 2xx rows) and the rollout gate's TTFT.
 */
import { expect, it } from 'vitest';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { waitFor } from './harness.ts';
import { useSlowPrefill } from './slow-prefill-fixture.ts';

const PREFILL_MS = 1_000;
const slow = useSlowPrefill(PREFILL_MS);

it('a plain stream the client left before its first token records no TTFB, and is not the least', async () => {
  const f = slow.f;
  await f.proxy.refresh();
  const ac = new AbortController();
  const res = await slow.chat(true, ac.signal);
  expect(res.status).toBe(200);
  // The head is in, the prefill is not over: the client gives up.
  ac.abort();
  const rows = async (): Promise<Array<Record<string, unknown>>> =>
    (await f.client.execute("SELECT status, ttfb_ms, error FROM outcomes WHERE app_id = 'acme/open'")).rows.map((r) => ({ ...r }));
  await waitFor(async () => (await rows()).length === 1, 'the stream recorded', 10_000);
  expect(await rows()).toEqual([{ status: 200, ttfb_ms: null, error: 'client-closed' }]);
  const c1 = (await loadAppSnapshot(f.client, 'acme/open', Date.now()))?.outcomes?.get('c1');
  expect(c1?.ttfbMinMs ?? null).toBeNull();
});
