import { describe, expect, it } from 'vitest';
import { CF, call } from './helpers.ts';
import type { ErrorJson, TokenBody } from './helpers.ts';

describe('residency', () => {
  it('keeps an EU-only app in the EU even for a client in New York', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await call('/token/v4/acme/eu-only/generate', { cf: CF.newYork });
      expect(res.status).toBe(200);
      const body = (await res.json()) as TokenBody;
      expect(body.decision.chosen).toBe('eu-west');
      expect(body.decision.fallbacks).not.toContain('us-east');
      const us = body.decision.candidates.find((c) => c.clusterId === 'us-east');
      expect(us?.disqualifications.map((d) => d.code)).toContain('residency');
    }
  });

  it('answers 503 with the explanation when no cluster may serve the request', async () => {
    const res = await call('/v4/acme/nowhere/generate', { cf: CF.newYork });
    expect(res.status).toBe(503);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('no-candidate');
    expect(res.headers.get('x-switchyard-decision-id')).not.toBeNull();
  });
});
