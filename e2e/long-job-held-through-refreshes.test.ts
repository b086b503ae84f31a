/**
 * A long-running job held through a regional proxy while the edge refreshes its
 * state many times. Duration: E2E_HOLD_MS (default 4 s in CI; set hours locally).
 */
import { describe, expect, it } from 'vitest';
import { REFRESH_MS, useSharedStack } from './stack.ts';

const h = useSharedStack();
const HOLD_MS = Number(process.env['E2E_HOLD_MS'] ?? 4_000);

describe('long job through the proxy', () => {
  it(`stays open for ${HOLD_MS} ms with heartbeats and ends cleanly`, async () => {
    const edge = h.stack().edgeUrl;
    const auth = { authorization: `Bearer ${h.stack().apiKey}` };
    const tokenRes = await fetch(`${edge}/token/v4/acme/train/v1/jobs`, { method: 'POST', headers: auth });
    expect(tokenRes.status).toBe(200);
    const { token, url } = (await tokenRes.json()) as { token: string; url: string };

    const started = Date.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-switchyard-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ durationMs: HOLD_MS, heartbeatMs: 250 }),
    });
    expect(res.status).toBe(200);
    // Meanwhile the edge keeps deciding (and refreshing its snapshot) for other requests.
    // Every probe is kept and awaited below: on a busy machine the last ones are still in flight
    // when the job ends, and a failed fetch must count as a miss, not an unhandled rejection.
    const probes: Array<Promise<boolean>> = [];
    const probe = setInterval(() => {
      probes.push(
        fetch(`${edge}/explain/v4/acme/train/v1/jobs`, { headers: { ...auth, 'x-switchyard-operator-key': h.stack().operatorKey } }).then(
          async (r) => {
            await r.body?.cancel();
            return r.ok;
          },
          () => false,
        ),
      );
    }, REFRESH_MS);
    const lines: Array<{ type: string }> = [];
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body ?? []) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line !== '') lines.push(JSON.parse(line) as { type: string });
        }
      }
    } finally {
      clearInterval(probe);
    }
    const elapsed = Date.now() - started;
    const edgeAnswers = (await Promise.all(probes)).filter(Boolean).length;
    expect(elapsed).toBeGreaterThanOrEqual(HOLD_MS - 50);
    expect(lines[0]?.type).toBe('started');
    expect(lines.filter((l) => l.type === 'heartbeat').length).toBeGreaterThanOrEqual(Math.floor(HOLD_MS / 250) - 2);
    expect(lines.at(-1)?.type).not.toBe('heartbeat'); // a final result, not a cut stream
    expect(edgeAnswers).toBeGreaterThanOrEqual(Math.floor(HOLD_MS / REFRESH_MS) - 3);
  });
});
