/**
 * What one WebSocket bridge holds in memory, charged to the process's allowance for bodies held
 * whole (body-buffers.ts, fair per project). `ws` keeps a message until its last byte arrives
 * (up to the app's maxBodyBytes, 8 MiB by default) and a relayed message until the other side
 * has read it; nothing bounded either but the in-flight budget, so one tenant's WebSockets each
 * holding a message's first 8 MiB (session 45: +8 MiB of proxy memory apiece, for as long as it
 * liked) could run the process out of memory for every tenant's streams. A bridge holds
 * `free` bytes uncharged (what any stream through the proxy costs in socket buffers); past that
 * it takes the allowance in `step`s while it holds the bytes and gives them back as they leave.
 */
import { ProxyError } from './errors.ts';

/** Held uncharged per bridge: about one socket read, what a streamed HTTP body costs too. */
export const WS_FREE_BYTES = 64 * 1024;
/** Charged in steps, so a large message costs a hold per 256 KiB, not one per socket read. */
export const WS_CHARGE_STEP = 256 * 1024;

export type TakeBytes = (bytes: number) => (() => void) | ProxyError;

export class HeldBytes {
  readonly #holds: Array<() => void> = [];
  #closed = false;

  constructor(
    private readonly take: TakeBytes,
    private readonly free = WS_FREE_BYTES,
    private readonly step = WS_CHARGE_STEP,
  ) {}

  /** Bytes charged now. */
  get charged(): number {
    return this.#holds.length * this.step;
  }

  /** The bridge holds `bytes` now: steps are taken or given back to match; the refusal when more cannot be had. */
  set(bytes: number): ProxyError | null {
    if (this.#closed) return null;
    const want = Math.max(0, Math.ceil((bytes - this.free) / this.step));
    while (this.#holds.length > want) (this.#holds.pop() as () => void)();
    while (this.#holds.length < want) {
      const hold = this.take(this.step);
      if (hold instanceof ProxyError) return hold;
      this.#holds.push(hold);
    }
    return null;
  }

  /** The bridge ended: everything back, and nothing charged after. */
  close(): void {
    this.set(0);
    this.#closed = true;
  }
}
