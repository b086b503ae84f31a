import { describe, expect, it } from 'vitest';
import { OPERATOR_KEY_CHALLENGE } from '../../shared/http/operator-key-refusal.ts';
import { OPERATOR_KEY, call } from './helpers.ts';
import type { ErrorJson } from './helpers.ts';

// The explanation lists every candidate's provider, region, price, health and the seed: fleet
// internals for operators only (issue 11 #5) — also for apps that need no API key.
describe('explain and synthetic requests need the operator key', () => {
  it.each([
    ['/explain/v4/acme/chat/generate', {}, 401, 'operator-key-missing'],
    ['/explain/v4/acme/open/generate', {}, 401, 'operator-key-missing'],
    // A wrong key is a bad credential, as the dashboard answers it (shared/http/operator-key-refusal.ts).
    ['/explain/v4/acme/chat/generate', { 'x-switchyard-operator-key': 'not-the-operator-key' }, 401, 'operator-key-wrong'],
    ['/v4/acme/open/generate', { 'x-switchyard-synthetic': '1' }, 401, 'operator-key-missing'],
  ])('%s %j → %i %s', async (path, headers, status, code) => {
    const res = await call(path, { init: { headers }, key: null });
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toBe(OPERATOR_KEY_CHALLENGE);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe(code);
    expect(JSON.stringify(body)).not.toContain('candidates');
  });

  it('is disabled, saying how to enable it, when EDGE_OPERATOR_KEY is unset', async () => {
    const res = await call('/explain/v4/acme/chat/generate', { env: { EDGE_OPERATOR_KEY: '' }, init: { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } } });
    // No key can change this one: 403, no challenge.
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBeNull();
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('explain-disabled');
    expect(body.error.message).toContain('EDGE_OPERATOR_KEY');
  });

  it('explains for an operator', async () => {
    const res = await call('/explain/v4/acme/chat/generate', { init: { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { synthetic: boolean; decision: { candidates: unknown[] } };
    expect(body.synthetic).toBe(true);
    expect(body.decision.candidates).toHaveLength(2);
  });
});
