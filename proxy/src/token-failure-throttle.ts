/**
 * A per-client bound on failed token verifications (`PROXY_TOKEN_FAILURE_BUDGET`). A token that
 * fails costs a full Ed25519 check every time (only verified tokens are remembered:
 * verified-tokens.ts), and that CPU is shared by every tenant: one client flooding forged tokens
 * would slow everyone's admission. Each client key (client-address-key.ts) has a token bucket of
 * `failures` that refills over `windowMs`; a failure takes one, and an empty bucket means the
 * client's next unknown token is refused without being checked until one has refilled.
 *
 * Many addresses: one attacker with many addresses would get `failures` checks for each. So
 * there is also a total over all clients (TOTAL_FACTOR × `failures` per `windowMs`): once failures
 * everywhere have used it, every client that has itself failed recently waits for the total to
 * refill, unchecked. A client that has not failed (an honest one: expired and misrouted tokens are
 * refused before any check and never fail here) is still checked, so under a spray each address
 * costs one check, not `failures`.
 *
 * Bounded: at most `maxClients` keys, least recently failing evicted first, so an attacker
 * spraying addresses cannot grow memory (eviction only forgets a bucket, which then starts full).
 * A bucket found full again is forgotten too. Pure: time is passed in; never throws.
 */

export interface FailureBudget {
  /** Failures a client may cause before it is throttled (the bucket's size). */
  readonly failures: number;
  /** Time for an empty bucket to refill completely. */
  readonly windowMs: number;
}

/** 20 failures per 10 s: far above a client with a stale or mistyped token, far below a flood. */
export const DEFAULT_FAILURE_BUDGET: FailureBudget = Object.freeze({ failures: 20, windowMs: 10_000 });

/** ~100 B per key: about 1 MB at most. */
export const FAILURE_CLIENTS_MAX = 10_000;

/** The total over all clients, in client budgets: 20/10s per client → 200/10s in all. */
export const TOTAL_FACTOR = 10;

/** Why a client waits: its own failures, or failures everywhere with its own among them. */
export interface Refusal {
  readonly waitS: number;
  readonly scope: 'client' | 'all';
}

interface Bucket {
  level: number;
  at: number;
}

export class TokenFailureThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  /** Failures over all clients the total allows at once. */
  readonly total: number;
  #all: Bucket;

  constructor(
    readonly budget: FailureBudget,
    private readonly maxClients = FAILURE_CLIENTS_MAX,
    totalFactor = TOTAL_FACTOR,
  ) {
    this.#perMs = budget.failures / budget.windowMs;
    this.total = budget.failures * totalFactor;
    this.#all = { level: this.total, at: 0 };
  }

  /** Keys held now (tests, the memory bound). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Null when `client` may have its token checked; else how long it waits, and why. */
  refusal(client: string, now: number): Refusal | null {
    const b = this.#buckets.get(client);
    if (b === undefined) return null;
    const level = this.#level(b, now);
    // Refilled completely: the same as no record, so the memory goes back.
    if (level >= this.budget.failures) {
      this.#buckets.delete(client);
      return null;
    }
    if (level < 1) return { waitS: waitS(1 - level, this.#perMs), scope: 'client' };
    const all = this.#allLevel(now);
    return all >= 1 ? null : { waitS: waitS(1 - all, this.total / this.budget.windowMs), scope: 'all' };
  }

  /** A verification by `client` failed: it takes one from its bucket and one from the total. */
  failed(client: string, now: number): void {
    this.#all = { level: Math.max(0, this.#allLevel(now) - 1), at: now };
    const b = this.#buckets.get(client);
    const level = b === undefined ? this.budget.failures : this.#level(b, now);
    // Delete then set: the map's order is least recently failing first, the eviction order.
    this.#buckets.delete(client);
    if (this.#buckets.size >= this.maxClients) this.#evictOldest();
    this.#buckets.set(client, { level: Math.max(0, level - 1), at: now });
  }

  #level(b: Bucket, now: number): number {
    return Math.min(this.budget.failures, b.level + Math.max(0, now - b.at) * this.#perMs);
  }

  #allLevel(now: number): number {
    return Math.min(this.total, this.#all.level + (Math.max(0, now - this.#all.at) * this.total) / this.budget.windowMs);
  }

  #evictOldest(): void {
    for (const key of this.#buckets.keys()) {
      this.#buckets.delete(key);
      return;
    }
  }
}

/** Whole seconds (≥ 1) until a bucket refilling at `perMs` has gained `missing`. */
function waitS(missing: number, perMs: number): number {
  return Math.max(1, Math.ceil(missing / perMs / 1000));
}

const EXPECTED = 'off, or <failures>/<seconds>s with whole numbers ≥ 1 (e.g. 20/10s: 20 failed token checks per client per 10 s)';

/** `PROXY_TOKEN_FAILURE_BUDGET`: `20/10s`, or `off` (null: no bound). */
export function parseFailureBudget(raw: string): { ok: true; value: FailureBudget | null } | { ok: false; expected: string } {
  const t = raw.trim();
  if (t === 'off') return { ok: true, value: null };
  const m = /^([0-9]+)\/([0-9]+)s$/.exec(t);
  const failures = Number(m?.[1]);
  const seconds = Number(m?.[2]);
  if (m === null || failures < 1 || failures > 1_000_000 || seconds < 1 || seconds > 86_400) return { ok: false, expected: EXPECTED };
  return { ok: true, value: { failures, windowMs: seconds * 1000 } };
}

/** The config field parser. */
export const failureBudgetField = Object.assign(parseFailureBudget, { expected: EXPECTED });
