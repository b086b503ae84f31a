/**
 * Webhook deliveries per app: at most `perApp` of one app's notices in flight at once, the rest
 * waiting in that app's own line. The webhook client pools connections per receiving host, not
 * per app, so without this an app pointing its webhooks at a slow path of a host other tenants
 * use too (Zapier, Pipedream, a company ingest) held every connection and other apps' notices
 * queued behind its. A waiting notice is a closure over a job id (its row is read when it runs).
 *
 * Each line holds at most `queuePerApp` waiting notices: past it the app's oldest waiting one is
 * dropped (resolved as `WebhookDropped`, which the caller records on the job and counts), so a
 * receiver that never answers costs its own app bounded memory and never another app anything.
 */

/** Notices of one app in flight at once (each up to 3 attempts of ≤ 10 s). */
export const WEBHOOKS_PER_APP = 2;
/** Notices of one app waiting for a slot (`PROXY_WEBHOOK_QUEUE_PER_APP`). */
export const WEBHOOK_QUEUE_PER_APP = 1_000;

/** A notice dropped unsent because its app's line was full: the job's status URL still answers. */
export class WebhookDropped {
  readonly code = 'webhook-dropped';
  constructor(readonly appId: string, readonly queuePerApp: number) {}
}

interface Waiting {
  readonly start: () => void;
  readonly drop: () => void;
}

export class WebhookLanes {
  readonly #inFlight = new Map<string, number>();
  readonly #waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly perApp = WEBHOOKS_PER_APP,
    private readonly queuePerApp = WEBHOOK_QUEUE_PER_APP,
  ) {}

  /**
   * Runs `task` when `appId` has a free slot; resolves or rejects as the task does, or resolves
   * `WebhookDropped` when newer notices of the same app push it out of a full line.
   */
  run<T>(appId: string, task: () => Promise<T>): Promise<T | WebhookDropped> {
    return new Promise<T | WebhookDropped>((resolve, reject) => {
      const start = (): void => {
        this.#inFlight.set(appId, (this.#inFlight.get(appId) ?? 0) + 1);
        task().then(resolve, reject).finally(() => this.#done(appId));
      };
      if ((this.#inFlight.get(appId) ?? 0) < this.perApp) return start();
      const line = this.#waiting.get(appId) ?? [];
      // The newest notice is worth most (the oldest's owner has waited longest and likely polls).
      if (line.length >= this.queuePerApp) line.shift()?.drop();
      line.push({ start, drop: () => resolve(new WebhookDropped(appId, this.queuePerApp)) });
      this.#waiting.set(appId, line);
    });
  }

  /** Notices of `appId` waiting for a slot. */
  waitingOf(appId: string): number {
    return this.#waiting.get(appId)?.length ?? 0;
  }

  #done(appId: string): void {
    const left = (this.#inFlight.get(appId) ?? 1) - 1;
    if (left === 0) this.#inFlight.delete(appId);
    else this.#inFlight.set(appId, left);
    const line = this.#waiting.get(appId);
    const next = line?.shift();
    if (line?.length === 0) this.#waiting.delete(appId);
    next?.start();
  }
}
