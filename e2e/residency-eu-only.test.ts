/**
 * Residency: `acme/eu-chat` is EU-only. From clients anywhere in the world, real
 * requests are served only by EU clusters, and the decision log says why the
 * others were never candidates.
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS, devLocation, useSharedStack, waitForDecision } from './stack.ts';

const h = useSharedStack();
const EU = new Set(['eu-west-1', 'eu-central-1']);

describe('EU-only app', () => {
  for (const [name, loc] of Object.entries(CLIENTS)) {
    it(`is served in the EU for a client in ${name}`, async () => {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${h.stack().edgeUrl}/v4/acme/eu-chat/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.stack().apiKey}`, 'content-type': 'application/json', ...devLocation(loc) },
          body: JSON.stringify({ model: 'demo-llm', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
        const served = res.headers.get('x-sim-cluster') ?? '';
        expect(EU.has(served), `served by ${served}`).toBe(true);
        if (i === 0) {
          const row = await waitForDecision(h.db(), res.headers.get('x-switchyard-decision-id') ?? '');
          const exp = JSON.parse(String(row['explanation_json'])) as {
            candidates: Array<{ clusterId: string; disqualifications: Array<{ code: string }> }>;
          };
          const us = exp.candidates.find((c) => c.clusterId === 'us-east-1');
          expect(us?.disqualifications.map((d) => d.code)).toContain('residency');
        }
      }
    });
  }

  it('explains a synthetic request without forwarding it', async () => {
    const res = await fetch(`${h.stack().edgeUrl}/explain/v4/acme/eu-chat/v1/chat/completions`, {
      headers: { authorization: `Bearer ${h.stack().apiKey}`, 'x-switchyard-operator-key': h.stack().operatorKey, ...devLocation(CLIENTS.newYork) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-sim-cluster')).toBeNull();
    const body = (await res.json()) as { decision?: { chosen: string; synthetic: boolean } } & { chosen?: string; synthetic?: boolean };
    const decision = body.decision ?? body;
    expect(EU.has(String(decision.chosen))).toBe(true);
    expect(decision.synthetic).toBe(true);
  });
});
