/**
 * The lease behind a shared tokens-per-minute budget, step by step on a real libSQL file with a
 * hand-driven clock: two proxies' claims never sum past the budget (the one giving share back
 * empties its bucket first), shares follow what each proxy wants, and a proxy cut off from
 * libSQL falls back to budget / proxies it saw — never zero, never the whole budget — while the
 * other takes the whole budget once the lapsed lease expires (the README's cut-off term).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { libsqlTokenLeaseStore } from '../src/token-lease-store.ts';
import { TokenLeases } from '../src/token-leases.ts';

const L = 1200;
const I = 1000;
const KEY = 'acme/chat';
const budget: TokenBudget = { tokensPerMinute: L, spend: null, pricePerMillionTokens: null, defaultCompletionTokens: 256 };
const dir = mkdtempSync(join(tmpdir(), 'sy-token-leases-'));
const url = `file:${join(dir, 'sy.db')}`;
let clientA: Client;
let clientB: Client;
let clock = 1_000_000;
const clamps: Array<[string, number]> = [];

const leases = (id: string, client: Client): TokenLeases =>
  new TokenLeases({
    store: libsqlTokenLeaseStore(client),
    proxyId: id,
    region: 'eu-west',
    intervalMs: I,
    now: () => clock,
    budgets: () => [[KEY, budget]],
    clamp: (key, claim) => clamps.push([`${id} ${key}`, claim]),
  });

beforeAll(async () => {
  clientA = createClient({ url });
  await migrate(clientA);
  clientB = createClient({ url });
});
afterAll(() => {
  clientA.close();
  rmSync(dir, { recursive: true, force: true });
});

const stored = async (): Promise<number> => {
  const rs = await clientA.execute({ sql: "SELECT SUM(claim) AS s FROM limit_leases WHERE kind = 'tokens' AND expires_at > ?", args: [clock] });
  return Number(rs.rows[0]?.['s'] ?? 0);
};

it('claims sum to the budget at most, follow demand, and fall back to a share when libSQL is gone', async () => {
  const a = leases('a', clientA);
  const b = leases('b', clientB);
  await a.renewOnce();
  expect(a.share(KEY, budget, clock)).toBe(L); // alone: the whole budget
  await b.renewOnce();
  expect(b.share(KEY, budget, clock)).toBe(0); // a holds it all until it renews
  expect(await stored()).toBe(L);

  // Both want more than half: a gives back half (its bucket clamped before the commit), b takes it.
  for (const l of [a, b, a, b]) {
    a.observe(KEY, 2 * L);
    b.observe(KEY, 2 * L);
    clock += I / 2;
    await l.renewOnce();
    expect(await stored()).toBeLessThanOrEqual(L);
  }
  expect([a.share(KEY, budget, clock), b.share(KEY, budget, clock)]).toEqual([L / 2, L / 2]);
  expect(clamps).toContainEqual(['a acme/chat', L / 2]);

  // Only a wants: b's share flows to a within two renewals (b keeps nothing it does not use).
  for (const l of [b, a, b, a]) {
    a.observe(KEY, 2 * L);
    clock += I / 2;
    await l.renewOnce();
    expect(await stored()).toBeLessThanOrEqual(L);
  }
  expect((a.share(KEY, budget, clock) ?? 0) + (b.share(KEY, budget, clock) ?? 0)).toBe(L);
  expect(a.share(KEY, budget, clock)).toBeGreaterThan(L / 2);

  // b loses libSQL: its renewals fail; after two intervals it enforces L / 2 (it saw a), and a
  // takes the whole budget once b's row expired — the documented cut-off term, L / N.
  clientB.close();
  for (let i = 0; i < 4; i += 1) {
    clock += I;
    await expect(b.renewOnce()).rejects.toThrow();
    a.observe(KEY, 2 * L);
    await a.renewOnce();
  }
  expect(b.share(KEY, budget, clock)).toBe(L / 2);
  expect(a.share(KEY, budget, clock)).toBe(L);
});
