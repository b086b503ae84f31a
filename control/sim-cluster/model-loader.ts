/**
 * Cold start: the model is not loaded at start; the first request pays
 * `coldStartMs` and concurrent requests share that one load. With
 * `idleUnloadMs`, a model idle that long is unloaded and the next request pays
 * again (the "scale to zero then wake" path routers must price in).
 */
import { sleepUntil } from './sleep-until.ts';

export class ModelLoader {
  #loaded: boolean;
  #loading: Promise<void> | null = null;
  #lastUsedAt: number;
  #loads = 0;
  /** Requests between a resolved `ensureLoaded` and their `finish`: a busy model is never idle. */
  #active = 0;

  constructor(
    readonly coldStartMs: number,
    readonly idleUnloadMs: number | null,
    readonly clock: () => number = Date.now,
  ) {
    // A zero cold start means the model is usable at once: nothing to pay.
    this.#loaded = coldStartMs === 0;
    this.#lastUsedAt = clock();
  }

  /** Whether a request arriving now would start generating without a load. */
  get loaded(): boolean {
    this.#expireIfIdle();
    return this.#loaded;
  }

  /** How many cold starts have been paid since start. */
  get loads(): number {
    return this.#loads;
  }

  /** Forces the next request to pay a cold start (fault injection / tests). */
  unload(): void {
    if (this.coldStartMs > 0) this.#loaded = false;
  }

  /** Ends a request that `ensureLoaded` admitted; idle time counts from here. */
  finish(): void {
    this.#active = Math.max(0, this.#active - 1);
    this.touch();
  }

  private touch(): void {
    this.#lastUsedAt = this.clock();
  }

  /**
   * Resolves when the model is loaded; returns the milliseconds this caller
   * waited. Call `finish()` once the request ends (only if this resolved).
   */
  async ensureLoaded(signal: AbortSignal): Promise<number> {
    this.#expireIfIdle();
    if (this.#loaded) {
      this.#active += 1;
      return 0;
    }
    const started = this.clock();
    if (!this.#loading) {
      this.#loads += 1;
      // Not tied to any one request's signal: other waiters still want the model. Timed by our
      // own clock, so the caller that triggered the load reports at least `coldStartMs`.
      this.#loading = sleepUntil(started + this.coldStartMs, this.clock).then(() => {
        this.#loaded = true;
        this.#loading = null;
        this.touch();
      });
    }
    const loading = this.#loading;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      loading.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      );
    });
    this.#active += 1;
    return this.clock() - started;
  }

  #expireIfIdle(): void {
    if (this.idleUnloadMs === null || !this.#loaded || this.#loading || this.#active > 0) return;
    if (this.clock() - this.#lastUsedAt >= this.idleUnloadMs) this.unload();
  }
}
