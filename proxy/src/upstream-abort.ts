/**
 * The abort switch for one proxied exchange's upstream request. A plain object with the
 * exchange's in-flight calls as watchers, not an EventEmitter or an AbortController: no
 * listener table, once-wrapper or listener closure per request (they showed on the profile and,
 * for a held stream, in its memory for hours). Aborting makes every watching call abort its
 * request (undici RequestAbortedError before the head; the body cut after it).
 */
export interface AbortWatcher {
  upstreamAborted(): void;
}

export class UpstreamAbort {
  aborted = false;
  /**
   * The first watcher in a field, any further ones in a list: an exchange has one call at a time,
   * and a held stream would keep a one-element array (~56 B) for hours.
   */
  private first: AbortWatcher | null = null;
  private more: AbortWatcher[] | null = null;

  watch(w: AbortWatcher): void {
    if (this.first === null) this.first = w;
    else if (this.more === null) this.more = [w];
    else this.more.push(w);
  }

  unwatch(w: AbortWatcher): void {
    if (this.first === w) {
      // The oldest remaining watcher moves up, so abort() tells them in watch order.
      this.first = this.more?.shift() ?? null;
      if (this.more?.length === 0) this.more = null;
      return;
    }
    const list = this.more;
    if (list === null) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
  }

  /** Idempotent: the first call tells every watcher, later ones do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const first = this.first;
    const more = this.more;
    this.first = null;
    this.more = null;
    first?.upstreamAborted();
    if (more !== null) for (const w of more) w.upstreamAborted();
  }
}
