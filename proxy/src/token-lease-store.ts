/**
 * The libSQL side of shared tokens-per-minute budgets: rows of `limit_leases` (schema v10) with
 * kind `tokens` under scopes of their own (`tpm:region:<r>`, `tpm:*`), so the concurrency/RPS
 * leases (limit-lease-store.ts), which read only their own scopes, never see them. One write
 * transaction per renewal, as there: SQLite serializes them, so two proxies never both grow
 * into the same free share.
 */
import type { Client, InStatement } from '@libsql/client';

/** Another proxy's (or this proxy's previous) live token lease. */
export interface TokenLease {
  readonly scope: string;
  /** Budget key: an app id, or `project:<id>`. */
  readonly key: string;
  readonly proxyId: string;
  /** Tokens per minute it may admit. */
  readonly claim: number;
  /** Tokens per minute it admitted plus was refused since its last renewal. */
  readonly want: number;
}

export interface TokenLeaseRenewal {
  readonly proxyId: string;
  readonly scopes: readonly string[];
  readonly now: number;
  readonly expiresAt: number;
  /** Called inside the transaction with every live lease of `scopes`; returns this proxy's. */
  readonly decide: (live: readonly TokenLease[]) => ReadonlyArray<Omit<TokenLease, 'proxyId'>>;
}

export interface TokenLeaseStore {
  renewTokenLeases(r: TokenLeaseRenewal): Promise<void>;
}

const KIND = 'tokens';
/** Rows this long past their expiry are deleted by whichever proxy renews next. */
const PRUNE_AFTER_MS = 60_000;

export function libsqlTokenLeaseStore(client: Client): TokenLeaseStore {
  return {
    async renewTokenLeases(r) {
      if (r.scopes.length === 0) return;
      const marks = r.scopes.map(() => '?').join(', ');
      const tx = await client.transaction('write');
      try {
        const rs = await tx.execute({
          sql: `SELECT scope, app_id, proxy_id, claim, want FROM limit_leases
                WHERE kind = ? AND scope IN (${marks}) AND expires_at > ?`,
          args: [KIND, ...r.scopes, r.now],
        });
        const live: TokenLease[] = rs.rows.map((row) => ({
          scope: String(row['scope']),
          key: String(row['app_id']),
          proxyId: String(row['proxy_id']),
          claim: Number(row['claim']),
          want: Number(row['want']),
        }));
        const stmts: InStatement[] = r.decide(live).map((w) => ({
          sql: `INSERT INTO limit_leases (scope, app_id, kind, proxy_id, claim, want, in_use, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                ON CONFLICT(scope, app_id, kind, proxy_id) DO UPDATE SET claim = excluded.claim,
                  want = excluded.want, expires_at = excluded.expires_at`,
          args: [w.scope, w.key, KIND, r.proxyId, w.claim, w.want, r.expiresAt],
        }));
        stmts.push({
          sql: `DELETE FROM limit_leases WHERE kind = ? AND scope IN (${marks}) AND expires_at < ?`,
          args: [KIND, ...r.scopes, r.now - PRUNE_AFTER_MS],
        });
        await tx.batch(stmts);
        await tx.commit();
      } finally {
        tx.close();
      }
    },
  };
}
