import { describe, expect, it } from 'vitest';
import { CF, call, explain } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

describe('residency', () => {
  it('keeps an EU-only app in the EU even for a client in New York', async () => {
    for (let i = 0; i < 20; i++) {
      const decision = await explain('/v4/acme/eu-only/generate', { cf: CF.newYork });
      expect(decision.chosen).toBe('eu-west');
      expect(decision.fallbacks).not.toContain('us-east');
      const us = decision.candidates.find((c) => c.clusterId === 'us-east');
      expect(us?.disqualifications.map((d) => d.code)).toContain('residency');
    }
  });

  it('answers 503 with the explanation when no cluster may serve the request', async () => {
    const res = await call('/v4/acme/nowhere/generate', { cf: CF.newYork });
    expect(res.status).toBe(503);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('no-candidate');
    // Which clusters exist and why they were ruled out is for operators (explain), not clients.
    expect(body.error.message).not.toContain('us-east');
    expect(res.headers.get('x-switchyard-decision-id')).not.toBeNull();
  });

  // An app that keeps each client on its own continent (residency client-continent) and has no
  // cluster on the client's: permanent, not 'retry shortly' (a client retrying on a 503 never got
  // through). The answer names the client's continent and nothing of the fleet.
  it('answers 451 when a client-continent app has no cluster on the client\'s continent', async () => {
    const res = await call('/v4/acme/own-continent/generate', { cf: { ...CF.newYork, continent: 'AS', country: 'JP', colo: 'NRT' } });
    expect(res.status).toBe(451);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('not-served-in-continent');
    expect(body.error.message).toContain('AS');
    expect(body.error.message).not.toMatch(/us-east|eu-west/);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('serves a client-continent app from the client\'s continent', async () => {
    for (const [cf, cluster] of [[CF.newYork, 'us-east'], [CF.dublin, 'eu-west']] as const) {
      const decision = await explain('/v4/acme/own-continent/generate', { cf });
      expect(decision.chosen).toBe(cluster);
    }
  });
});
