/**
 * The abort switch for one proxied exchange's upstream request. undici takes
 * an EventEmitter with `aborted` as its `signal`; creating one costs a
 * fraction of an AbortController + AbortSignal (an EventTarget), which
 * showed up on the per-request profile. Aborting rejects the pending request
 * (undici RequestAbortedError) and destroys a response body in progress.
 */
import { EventEmitter } from 'node:events';

export class UpstreamAbort extends EventEmitter {
  aborted = false;

  /** Idempotent: the first call fires 'abort', later ones do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}
