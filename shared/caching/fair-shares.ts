/**
 * One bounded queue shared by many tenants (projects), filled max-min fairly: a tenant may add an
 * item only while it holds fewer than `capacity / (holders + 1)` (itself counted among the
 * holders) and the queue has room. So one busy tenant alone takes at most half, two at most a
 * third each, and a tenant that arrives while others fill the queue still finds room — one
 * tenant's burst never crowds another out of what the queue is for. The share is the tenant's,
 * not each of its keys' (apps): a project bursting through 20 apps holds one share, not 20.
 * Within its tenant's share a key may add while it holds less than an equal part of that share
 * among the tenant's keys holding items (a tenant's only key may use the whole share).
 * No I/O; the caller says when items leave (`remove`).
 *
 * Items may weigh more than one (`amount`, e.g. bytes): a tenant then may add while what it would
 * hold is within its share (`held + amount - 1 < share`, the same test as `held < share` for one
 * item), and the queue has room for all of it.
 */
interface Tenant {
  n: number;
  /** Items per key of this tenant (keys holding none are gone). */
  readonly keys: Map<string, number>;
}

export class FairShares {
  readonly #tenants = new Map<string, Tenant>();
  #total = 0;

  constructor(readonly capacity: number) {}

  /** Items queued now, all tenants together. */
  get total(): number {
    return this.#total;
  }

  /** Items `tenant` holds, all its keys; or, with `key`, that key's. */
  heldBy(tenant: string, key?: string): number {
    const t = this.#tenants.get(tenant);
    return (key === undefined ? t?.n : t?.keys.get(key)) ?? 0;
  }

  /** True (and counted) when `key` of `tenant` may add one more item (of weight `amount`) now. */
  tryAdd(tenant: string, key: string, amount = 1): boolean {
    if (!this.canAdd(tenant, key, amount)) return false;
    let t = this.#tenants.get(tenant);
    if (t === undefined) this.#tenants.set(tenant, (t = { n: 0, keys: new Map() }));
    t.keys.set(key, (t.keys.get(key) ?? 0) + amount);
    t.n += amount;
    this.#total += amount;
    return true;
  }

  /** Whether `tryAdd` would let this item in now; counts nothing. */
  canAdd(tenant: string, key: string, amount = 1): boolean {
    const t = this.#tenants.get(tenant);
    const ours = t?.n ?? 0;
    const holders = this.#tenants.size + (ours === 0 ? 1 : 0);
    const share = this.capacity / (holders + 1);
    const over = amount - 1;
    if (this.#total + over >= this.capacity || ours + over >= share) return false;
    const mine = t?.keys.get(key) ?? 0;
    return mine + over < share / ((t?.keys.size ?? 0) + (mine === 0 ? 1 : 0));
  }

  /** One item (of weight `amount`, as added) of `key` of `tenant` left the queue. */
  remove(tenant: string, key: string, amount = 1): void {
    const t = this.#tenants.get(tenant);
    const mine = t?.keys.get(key);
    if (t === undefined || mine === undefined) return;
    const gone = Math.min(amount, mine);
    if (mine <= gone) t.keys.delete(key);
    else t.keys.set(key, mine - gone);
    t.n -= gone;
    if (t.n <= 0) this.#tenants.delete(tenant);
    this.#total -= gone;
  }
}
