/**
 * Webhook deliveries per app: at most `perApp` of one app's notices in flight at once, the rest
 * waiting in that app's own line. The webhook client pools connections per receiving host, not
 * per app, so without this an app pointing its webhooks at a slow path of a host other tenants
 * use too (Zapier, Pipedream, a company ingest) held every connection and other apps' notices
 * queued behind its. A waiting notice is a closure over a job id (its row is read when it runs).
 */

/** Notices of one app in flight at once (each up to 3 attempts of ≤ 10 s). */
export const WEBHOOKS_PER_APP = 2;

export class WebhookLanes {
  readonly #inFlight = new Map<string, number>();
  readonly #waiting = new Map<string, Array<() => void>>();

  constructor(private readonly perApp = WEBHOOKS_PER_APP) {}

  /** Runs `task` when `appId` has a free slot; resolves or rejects as the task does. */
  run<T>(appId: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.#inFlight.set(appId, (this.#inFlight.get(appId) ?? 0) + 1);
        task().then(resolve, reject).finally(() => this.#done(appId));
      };
      if ((this.#inFlight.get(appId) ?? 0) < this.perApp) start();
      else {
        const line = this.#waiting.get(appId) ?? [];
        line.push(start);
        this.#waiting.set(appId, line);
      }
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
    next?.();
  }
}
