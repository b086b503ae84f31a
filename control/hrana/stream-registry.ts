/**
 * Open Hrana streams and their batons. A baton names a stream for exactly one
 * request: it is consumed when a request arrives and a fresh one is issued
 * with the response, so a replayed or concurrent baton is rejected. Streams
 * idle longer than `idleMs` are closed (rolling back any open transaction),
 * since HTTP gives no signal when a client goes away.
 */
import { randomBytes } from 'node:crypto';
import { Connection, type ConnectionOptions } from './connection.ts';
import { streamExpired, tooManyStreams } from './errors.ts';

export class HranaStream {
  readonly id: number;
  readonly conn: Connection;
  /** Set by a `close` request; the stream is released after the response. */
  closeRequested = false;
  constructor(id: number, conn: Connection) {
    this.id = id;
    this.conn = conn;
  }
}

export interface StreamRegistryOptions {
  connection: ConnectionOptions;
  idleMs: number;
  maxStreams: number;
  onExpired?: (streamId: number) => void;
}

interface Parked {
  stream: HranaStream;
  timer: NodeJS.Timeout;
}

export class StreamRegistry {
  readonly #options: StreamRegistryOptions;
  readonly #parked = new Map<string, Parked>();
  readonly #open = new Set<HranaStream>();
  #nextId = 1;

  constructor(options: StreamRegistryOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#open.size;
  }

  /** A new stream with its own connection. */
  open(): HranaStream {
    if (this.#open.size >= this.#options.maxStreams) throw tooManyStreams(this.#options.maxStreams);
    const stream = new HranaStream(this.#nextId++, new Connection(this.#options.connection));
    this.#open.add(stream);
    return stream;
  }

  /** Take the stream a baton names, consuming the baton. */
  checkout(baton: string): HranaStream {
    const parked = this.#parked.get(baton);
    if (parked === undefined) throw streamExpired();
    this.#parked.delete(baton);
    clearTimeout(parked.timer);
    return parked.stream;
  }

  /** Park a stream between requests and return the baton that names it. */
  checkin(stream: HranaStream): string {
    const baton = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => {
      if (this.#parked.get(baton)?.stream !== stream) return;
      this.#parked.delete(baton);
      this.release(stream);
      this.#options.onExpired?.(stream.id);
    }, this.#options.idleMs);
    // Idle streams must not keep the process alive on shutdown.
    timer.unref();
    this.#parked.set(baton, { stream, timer });
    return baton;
  }

  /** Close a stream's connection (rolls back an open transaction). */
  release(stream: HranaStream): void {
    this.#open.delete(stream);
    stream.conn.close();
  }

  closeAll(): void {
    for (const parked of this.#parked.values()) clearTimeout(parked.timer);
    this.#parked.clear();
    for (const stream of [...this.#open]) this.release(stream);
  }
}
