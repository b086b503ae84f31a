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
  private watchers: AbortWatcher[] | null = null;

  watch(w: AbortWatcher): void {
    // `[w]`, not `[]` then push: a push into an empty array reserves 17 slots (~150 B), which a
    // held stream's one watcher would keep for hours.
    if (this.watchers === null) this.watchers = [w];
    else this.watchers.push(w);
  }

  unwatch(w: AbortWatcher): void {
    const list = this.watchers;
    if (list === null) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
  }

  /** Idempotent: the first call tells every watcher, later ones do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const list = this.watchers;
    this.watchers = null;
    if (list !== null) for (const w of list) w.upstreamAborted();
  }
}
