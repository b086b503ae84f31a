/**
 * Retry budget (Finagle/Envoy style): retries may be at most `ratio` of the
 * requests seen in the last window, plus a small floor so a quiet proxy can
 * still retry. Stops retry storms from multiplying load on a failing cluster.
 */
export class RetryBudget {
  private windowStart = 0;
  private requests = 0;
  private retries = 0;

  constructor(
    private readonly ratio: number,
    private readonly minPerWindow: number,
    private readonly windowMs: number = 10_000,
  ) {}

  private roll(now: number): void {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.requests = 0;
      this.retries = 0;
    }
  }

  request(now: number): void {
    this.roll(now);
    this.requests += 1;
  }

  /** Take one retry from the budget; false when it is spent. */
  tryRetry(now: number): boolean {
    this.roll(now);
    if (this.retries >= this.minPerWindow + this.ratio * this.requests) return false;
    this.retries += 1;
    return true;
  }

  /** Its window has ended: forgetting it loses nothing (the next call starts afresh). */
  idle(now: number): boolean {
    return now - this.windowStart >= this.windowMs;
  }
}

/** Past this many apps with a budget, those whose window ended are forgotten. */
const PRUNE_AT = 1024;

/**
 * One retry budget per app: one tenant whose requests fail (its replica failing, or prompts
 * that make its engine answer 500) spends its own retries, never another tenant's. Each app's
 * storm is still bounded by its budget.
 */
export class RetryBudgets {
  private readonly byApp = new Map<string, RetryBudget>();

  constructor(
    private readonly ratio: number,
    private readonly minPerWindow: number,
    private readonly windowMs: number = 10_000,
  ) {}

  private of(appId: string, now: number): RetryBudget {
    let b = this.byApp.get(appId);
    if (b === undefined) {
      if (this.byApp.size >= PRUNE_AT) for (const [k, v] of this.byApp) if (v.idle(now)) this.byApp.delete(k);
      b = new RetryBudget(this.ratio, this.minPerWindow, this.windowMs);
      this.byApp.set(appId, b);
    }
    return b;
  }

  request(appId: string, now: number): void {
    this.of(appId, now).request(now);
  }

  /** Take one of the app's retries; false when its budget is spent. */
  tryRetry(appId: string, now: number): boolean {
    return this.of(appId, now).tryRetry(now);
  }
}
