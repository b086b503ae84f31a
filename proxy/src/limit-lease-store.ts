/**
 * The libSQL side of shared limits (table `limit_leases`, schema v10): one
 * write transaction per renewal reads every live lease of this proxy's scopes,
 * lets the caller decide its own claims from them, and writes those claims.
 * SQLite serializes write transactions, so two proxies never both grow into
 * the same free slots (shared/limits/lease-share.ts `grantClaim`).
 */
import type { Client, InStatement } from '@libsql/client';

export type LeaseKind = 'concurrency' | 'rps';

/** A live lease as stored (another proxy's, or this proxy's previous one). */
export interface StoredLease {
  readonly scope: string;
  readonly appId: string;
  readonly kind: LeaseKind;
  readonly proxyId: string;
  readonly claim: number;
  readonly want: number;
  /** Requests it had in flight at its renewal (above its claim while it gives share back). */
  readonly inUse: number;
}

/** This proxy's new lease for one scope × app × kind. */
export interface LeaseWrite {
  readonly scope: string;
  readonly appId: string;
  readonly kind: LeaseKind;
  readonly claim: number;
  readonly want: number;
  readonly inUse: number;
}

export interface LeaseRenewal {
  readonly proxyId: string;
  readonly scopes: readonly string[];
  /** Leases with expires_at ≤ now are ignored (their proxy stopped renewing). */
  readonly now: number;
  readonly expiresAt: number;
  /** Called inside the transaction with every live lease of `scopes`; returns this proxy's leases. */
  readonly decide: (live: readonly StoredLease[]) => readonly LeaseWrite[];
}

export interface LimitLeaseStore {
  renewLimitLeases(renewal: LeaseRenewal): Promise<void>;
}

/** Rows this long past their expiry are deleted by whichever proxy renews next. */
const PRUNE_AFTER_MS = 60_000;

export function libsqlLeaseStore(client: Client): LimitLeaseStore {
  return {
    async renewLimitLeases(r) {
      if (r.scopes.length === 0) return;
      const tx = await client.transaction('write');
      try {
        const marks = r.scopes.map(() => '?').join(', ');
        const rs = await tx.execute({
          sql: `SELECT scope, app_id, kind, proxy_id, claim, want, in_use FROM limit_leases
                WHERE scope IN (${marks}) AND expires_at > ?`,
          args: [...r.scopes, r.now],
        });
        const live: StoredLease[] = rs.rows.map((row) => ({
          scope: String(row['scope']),
          appId: String(row['app_id']),
          kind: String(row['kind']) === 'rps' ? 'rps' : 'concurrency',
          proxyId: String(row['proxy_id']),
          claim: Number(row['claim']),
          want: Number(row['want']),
          inUse: Number(row['in_use'] ?? 0),
        }));
        const writes = r.decide(live);
        const stmts: InStatement[] = writes.map((w) => ({
          sql: `INSERT INTO limit_leases (scope, app_id, kind, proxy_id, claim, want, in_use, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(scope, app_id, kind, proxy_id) DO UPDATE SET claim = excluded.claim,
                  want = excluded.want, in_use = excluded.in_use, expires_at = excluded.expires_at`,
          args: [w.scope, w.appId, w.kind, r.proxyId, w.claim, w.want, w.inUse, r.expiresAt],
        }));
        stmts.push({
          sql: `DELETE FROM limit_leases WHERE scope IN (${marks}) AND expires_at < ?`,
          args: [...r.scopes, r.now - PRUNE_AFTER_MS],
        });
        await tx.batch(stmts);
        await tx.commit();
      } finally {
        tx.close();
      }
    },
  };
}
