/**
 * The finished results each app keeps on this proxy's disk, oldest first, against a per-app byte
 * budget (`PROXY_JOB_RESULT_BYTES_PER_APP`). The unfinished-job cap bounds what an app has in
 * flight, not what it leaves behind: without this, a batch tenant whose jobs end fast fills the
 * disk every tenant's results share within one retention period. Past its budget an app loses its
 * OWN oldest results, never another app's; the newest result is always kept (the budget is at
 * least the largest result the config allows). No I/O here: job-result-ledger.ts deletes what this returns.
 *
 * All apps together keep at most a total (`PROXY_JOB_RESULT_BYTES_TOTAL`): past it the project
 * (the tenant) that holds the most bytes, all its apps together, loses the oldest result of its
 * app holding the most, again and again (max-min fair: a small project loses nothing while a
 * larger one still holds more; by app alone, a project of 20 apps held 20 shares of the total).
 * That may be the result just stored, when its project holds the most with it alone: one
 * tenant's large result never deletes a smaller one's.
 */
import { projectOfAppId } from '../../shared/http/request-path.ts';

export interface RetainedResult {
  readonly id: string;
  readonly path: string;
  readonly bytes: number;
  /** When the sweeper would delete it anyway. */
  readonly expiresAt: number;
}

/** One app's results in the order they ended; `head` skips the dropped ones without shifting. */
interface AppResults {
  readonly project: string;
  items: RetainedResult[];
  head: number;
  bytes: number;
}

/** A result to delete and which bound it broke: its app's own, or the proxy's total. */
export interface Eviction {
  readonly result: RetainedResult;
  readonly bound: 'app' | 'total';
}

export class RetainedResults {
  readonly #apps = new Map<string, AppResults>();
  /** Bytes per project holding any. */
  readonly #projects = new Map<string, number>();
  #total = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly totalBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Bytes of results all apps keep here. */
  get bytes(): number {
    return this.#total;
  }

  /** Bytes of results `appId` keeps here. */
  bytesOf(appId: string): number {
    return this.#apps.get(appId)?.bytes ?? 0;
  }

  /**
   * A result of `appId` was stored: the app's oldest results to delete so it stays within its
   * budget (amortised O(1) per result).
   */
  add(appId: string, result: RetainedResult): Eviction[] {
    const app = this.#app(appId);
    app.items.push(result);
    return this.#counted(appId, app, result);
  }

  /**
   * A result that ended before every one `appId` has counted (the ones kept before a boot, loaded
   * late): it goes in front, so it is the first of them deleted, never a newer one.
   */
  addOlder(appId: string, result: RetainedResult): Eviction[] {
    const app = this.#app(appId);
    if (app.head > 0) app.items[--app.head] = result;
    else app.items.unshift(result);
    return this.#counted(appId, app, result);
  }

  #app(appId: string): AppResults {
    let app = this.#apps.get(appId);
    if (app === undefined) {
      app = { project: projectOfAppId(appId), items: [], head: 0, bytes: 0 };
      this.#apps.set(appId, app);
    }
    return app;
  }

  #counted(appId: string, app: AppResults, result: RetainedResult): Eviction[] {
    app.bytes += result.bytes;
    this.#total += result.bytes;
    this.#projects.set(app.project, (this.#projects.get(app.project) ?? 0) + result.bytes);
    const evicted: Eviction[] = [];
    while (app.bytes > this.budgetBytes && app.items.length - app.head > 1) evicted.push({ result: this.#dropHead(app), bound: 'app' });
    this.#compact(appId, app);
    while (this.#total > this.totalBytes) {
      const victim = this.#largest();
      if (victim === null) break;
      evicted.push({ result: this.#dropHead(victim[1]), bound: 'total' });
      this.#compact(victim[0], victim[1]);
    }
    return evicted;
  }

  /** The app holding the most bytes of the project holding the most (O(apps): only past the total). */
  #largest(): [string, AppResults] | null {
    let project: string | null = null;
    let most = -1;
    for (const [p, bytes] of this.#projects) if (bytes > most) [project, most] = [p, bytes];
    let best: [string, AppResults] | null = null;
    for (const entry of this.#apps) if (entry[1].project === project && (best === null || entry[1].bytes > best[1].bytes)) best = entry;
    return best;
  }

  /** The sweeper deleted results past their retention: stop counting them. */
  expire(now: number): void {
    for (const [appId, app] of this.#apps) {
      while (app.head < app.items.length && (app.items[app.head]?.expiresAt ?? Infinity) <= now) this.#dropHead(app);
      this.#compact(appId, app);
    }
  }

  #dropHead(app: AppResults): RetainedResult {
    const r = app.items[app.head] as RetainedResult;
    app.head++;
    app.bytes -= r.bytes;
    this.#total -= r.bytes;
    const left = (this.#projects.get(app.project) ?? 0) - r.bytes;
    if (left > 0) this.#projects.set(app.project, left);
    else this.#projects.delete(app.project);
    return r;
  }

  #compact(appId: string, app: AppResults): void {
    if (app.head === app.items.length) this.#apps.delete(appId);
    else if (app.head > 64 && app.head * 2 > app.items.length) {
      app.items = app.items.slice(app.head);
      app.head = 0;
    }
  }
}
