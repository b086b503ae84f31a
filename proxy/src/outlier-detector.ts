/**
 * Passive outlier detection per app × endpoint: N consecutive failures eject it
 * for base × 2^(ejections-1), capped; a success resets the streak. Replicas are
 * shared by apps, and one app's requests can make a replica fail on purpose
 * (inputs that provoke 500s, generations longer than its TTFB budget), so an
 * ejection only steers that app's traffic, like its circuit (circuitKey), and
 * never feeds the cluster-wide health report. Active health checks
 * (health-checker.ts) mark endpoints down/up for everyone, independently.
 */
interface EndpointRecord {
  streak: number;
  ejections: number;
  ejectedUntil: number;
}

export class OutlierDetector {
  /**
   * app → replica URL → record: two lookups of strings the registry already holds, where a
   * joined `app NUL url` key built a new string (and hashed it) twice per request.
   */
  private readonly records = new Map<string, Map<string, EndpointRecord>>();

  constructor(
    private readonly consecutive: number,
    private readonly baseMs: number,
    private readonly maxMs: number,
    /** Told of each ejection (several proxy processes share them: cluster-peers.ts). */
    private readonly onEject: (appId: string, url: string, until: number) => void = () => undefined,
  ) {}

  /** Take an ejection another process decided, without telling anyone. */
  adoptEjection(appId: string, url: string, until: number): void {
    const r = this.rec(appId, url);
    r.streak = 0;
    r.ejectedUntil = Math.max(r.ejectedUntil, until);
  }

  private rec(appId: string, url: string): EndpointRecord {
    let app = this.records.get(appId);
    if (app === undefined) {
      app = new Map();
      this.records.set(appId, app);
    }
    let r = app.get(url);
    if (r === undefined) {
      r = { streak: 0, ejections: 0, ejectedUntil: 0 };
      app.set(url, r);
    }
    return r;
  }

  /** Is `url` ejected for `appId`'s traffic? Other apps on the same replica are not affected. */
  isEjected(appId: string, url: string, now: number): boolean {
    const r = this.records.get(appId)?.get(url);
    return r !== undefined && r.ejectedUntil > now;
  }

  success(appId: string, url: string): void {
    const r = this.rec(appId, url);
    r.streak = 0;
    // Forget past ejections slowly: a healthy endpoint earns back its short backoff.
    if (r.ejections > 0) r.ejections -= 1;
  }

  /** Record a failure; returns true when this failure ejected the endpoint. */
  failure(appId: string, url: string, now: number): boolean {
    const r = this.rec(appId, url);
    r.streak += 1;
    if (r.streak < this.consecutive) return false;
    r.streak = 0;
    r.ejections += 1;
    r.ejectedUntil = now + Math.min(this.maxMs, this.baseMs * 2 ** (r.ejections - 1));
    this.onEject(appId, url, r.ejectedUntil);
    return true;
  }
}
