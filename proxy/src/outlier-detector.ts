/**
 * Passive outlier detection per endpoint: N consecutive failures eject it for
 * base × 2^(ejections-1), capped; a success resets the streak. Active health
 * checks (health-checker.ts) mark endpoints down/up independently.
 */
interface EndpointRecord {
  streak: number;
  ejections: number;
  ejectedUntil: number;
}

export class OutlierDetector {
  private readonly records = new Map<string, EndpointRecord>();

  constructor(
    private readonly consecutive: number,
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  private rec(url: string): EndpointRecord {
    let r = this.records.get(url);
    if (r === undefined) {
      r = { streak: 0, ejections: 0, ejectedUntil: 0 };
      this.records.set(url, r);
    }
    return r;
  }

  isEjected(url: string, now: number): boolean {
    const r = this.records.get(url);
    return r !== undefined && r.ejectedUntil > now;
  }

  success(url: string): void {
    const r = this.rec(url);
    r.streak = 0;
    // Forget past ejections slowly: a healthy endpoint earns back its short backoff.
    if (r.ejections > 0) r.ejections -= 1;
  }

  /** Record a failure; returns true when this failure ejected the endpoint. */
  failure(url: string, now: number): boolean {
    const r = this.rec(url);
    r.streak += 1;
    if (r.streak < this.consecutive) return false;
    r.streak = 0;
    r.ejections += 1;
    r.ejectedUntil = now + Math.min(this.maxMs, this.baseMs * 2 ** (r.ejections - 1));
    return true;
  }
}
