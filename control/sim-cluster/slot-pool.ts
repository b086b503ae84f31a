/**
 * N generation slots plus a bounded FIFO queue, like a vLLM replica's
 * running/waiting sets. A request holds its slot until it calls `release`
 * (end of generation or client disconnect), which hands it to the next waiter.
 */

export type Release = () => void;

export type Admission =
  | { readonly kind: 'granted'; readonly release: Release }
  | { readonly kind: 'queued'; readonly ready: Promise<Release> }
  | { readonly kind: 'full' };

interface Waiter {
  grant(release: Release): void;
}

export class SlotPool {
  #running = 0;
  readonly #waiters: Waiter[] = [];

  constructor(
    readonly slots: number,
    readonly queueLimit: number,
  ) {}

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a slot now, queues for one, or reports `full`. A queued request that
   * is aborted leaves the queue and its `ready` promise rejects with the
   * signal's reason.
   */
  acquire(signal: AbortSignal): Admission {
    if (this.#running < this.slots) {
      this.#running += 1;
      return { kind: 'granted', release: this.#releaser() };
    }
    if (this.#waiters.length >= this.queueLimit) return { kind: 'full' };
    if (signal.aborted) return { kind: 'queued', ready: Promise.reject(signal.reason as Error) };
    const ready = new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.#waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return { kind: 'queued', ready };
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // The slot passes straight to the next waiter so `running` never dips.
      if (next) next.grant(this.#releaser());
      else this.#running -= 1;
    };
  }
}
