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
}
