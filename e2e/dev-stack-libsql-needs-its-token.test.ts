/**
 * Issue 11 #6: `switchyard dev` gives its libSQL endpoint a random auth token and passes it to
 * every part. The stack works end to end with it (the edge decides from the database, proxies and
 * aggregators write to it), and a client without the token — any other process on the machine —
 * is refused.
 */
import { createClient } from '@libsql/client';
import { describe, expect, it } from 'vitest';
import { useSharedStack } from './stack.ts';

const h = useSharedStack();

describe('the dev stack\'s libSQL endpoint', () => {
  it('has a random token that every part uses', async () => {
    const s = h.stack();
    expect(s.libsqlAuthToken).toMatch(/^[0-9a-f]{48}$/);
    const res = await fetch(`${s.edgeUrl}/v4/acme/chat/v1/models`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    expect(res.status).toBe(200);
    // Aggregators and the edge reached the database with the token: state and decisions are there.
    const rs = await h.db().execute('SELECT COUNT(*) AS n FROM cluster_app_state');
    expect(Number(rs.rows[0]?.['n'])).toBeGreaterThan(0);
  });

  it('refuses clients without the token', async () => {
    const anonymous = createClient({ url: h.stack().libsqlUrl });
    await expect(anonymous.execute('SELECT 1')).rejects.toThrow();
    anonymous.close();
    const wrong = createClient({ url: h.stack().libsqlUrl, authToken: 'guessed' });
    await expect(wrong.execute('SELECT 1')).rejects.toThrow();
    wrong.close();
  });
});
