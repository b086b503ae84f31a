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
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { ProxyError } from './errors.ts';

/** Held uncharged per bridge: about one socket read, what a streamed HTTP body costs too. */
export const WS_FREE_BYTES = 64 * 1024;
/** Charged in steps, so a large message costs a hold per 256 KiB, not one per socket read. */
export const WS_CHARGE_STEP = 256 * 1024;
/** How long a bridge closed for its memory waits for its close frames to leave before cutting both sides. */
const CLOSE_GRACE_MS = 1_000;

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

export type BridgeSide = 'client' | 'upstream';

export interface BridgeHolds {
  /** A whole message (or a ping or pong) of `side` was read: what it had read so far is no longer held. */
  read(side: BridgeSide): void;
  /** Charge what the bridge holds now (after a message was read, queued or sent). */
  recount(): void;
  /** The bridge ended: everything back. */
  close(): void;
}

/**
 * Charges what one bridge holds: each side's message read so far (bytes read since its last whole
 * message, counted off the socket before `ws` parses them) and what each side has queued. Past the
 * project's share the bridge ends: `refused` is told, both sides stop reading and are closed
 * (1009 when one message is over what any project may hold, else 1013), and cut once the close
 * frames are out; other tenants' bridges go on.
 */
export function chargeHeldBytes(client: WebSocket, upstream: WebSocket, project: string, take: TakeBytes, refused: (err: ProxyError) => void): BridgeHolds {
  const held = new HeldBytes(take);
  const partial = { client: 0, upstream: 0 };
  let overShare = false;
  const recount = (): void => {
    if (overShare) return;
    const err = held.set(partial.client + partial.upstream + client.bufferedAmount + upstream.bufferedAmount);
    if (err === null) return;
    overShare = true;
    refused(err);
    client.pause();
    upstream.pause();
    client.close(err.status === 413 ? 1009 : 1013, memoryCloseReason(project));
    upstream.close(1001, 'proxy memory share');
    // Paused, neither side reads the other's close reply: cut them once the close frames are out,
    // not at ws's 30 s close timeout, holding the bytes meanwhile.
    setTimeout(() => {
      client.terminate();
      upstream.terminate();
    }, CLOSE_GRACE_MS).unref();
  };
  const read = (side: BridgeSide): void => {
    partial[side] = 0;
  };
  for (const [side, ws] of [['client', client], ['upstream', upstream]] as const) {
    socketOf(ws)?.prependListener('data', (chunk: Buffer) => {
      partial[side] += chunk.length;
      recount();
    });
    // A ping or pong ends what was read too (ws answers pings itself: its pong is in `bufferedAmount`).
    const control = (): void => {
      read(side);
      recount();
    };
    ws.on('ping', control);
    ws.on('pong', control);
  }
  return { read, recount, close: () => held.close() };
}

/** The socket under a `ws` socket (a private field: `ws` reports no partial message of its own). */
function socketOf(ws: WebSocket): Duplex | null {
  return (ws as unknown as { _socket?: Duplex | null })._socket ?? null;
}

/** A close reason within the 123 bytes a close frame allows. */
function memoryCloseReason(project: string): string {
  return `project ${project.slice(0, 48)} is over its share of this proxy's memory for held messages; retry later`;
}
