/**
 * Whose failure budget a token check is charged to (token-failure-throttle.ts). By address alone,
 * everyone behind one address shared a bucket: the edge's forwards (one host in a dev or
 * self-hosted setup; on Cloudflare, egress addresses every other Worker fetches from too) and a
 * forger there. About 20 forged tokens a second kept that bucket empty, and every tenant's
 * forwarded request was refused 429 `token-failures-throttled` unchecked
 * (`test/a-forger-at-the-edges-address-never-throttles-the-edges-connections.test.ts`).
 *
 * So a connection on which a token verified in full is its own client from then on: a forger on
 * another connection can empty the address's bucket, never this connection's, and nobody else can
 * send on it. A proven connection that then fails is throttled by its own bucket and by the total
 * over all clients, like any client. Only for a peer speaking for itself: behind a trusted
 * balancer a pooled connection carries many clients, told apart by X-Forwarded-For as before.
 * Connections are held weakly (no memory once closed). Pure; never throws.
 */
export class TokenFailureKeys {
  readonly #proven = new WeakMap<object, string>();
  #next = 0;

  /**
   * The key for a check: the connection's own once proven, else `address` (the client-address-key
   * of the peer, or of the client a trusted balancer names). `ownAddress`: whether `address` is the
   * socket's peer itself rather than a client named by X-Forwarded-For.
   */
  key(address: string, connection: object | undefined, ownAddress: boolean): string {
    if (!ownAddress || connection === undefined) return address;
    return this.#proven.get(connection) ?? address;
  }

  /** A token verified in full on `connection`: later checks there have their own budget. */
  verified(connection: object | undefined): void {
    if (connection === undefined || this.#proven.has(connection)) return;
    this.#next += 1;
    // `conn:` never looks like an address key (client-address-key.ts), so never shares a bucket with one.
    this.#proven.set(connection, `conn:${this.#next}`);
  }
}
