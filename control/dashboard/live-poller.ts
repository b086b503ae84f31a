/**
 * One poller per dashboard process, however many browsers watch: every `pollMs` it reads the
 * fleet and the decisions/outcomes that arrived since its last tick, folds them into the
 * bounded aggregates and feed, and hands each subscriber the same small update. Ticks never
 * overlap; a failing database shows as an error on the page, not a crash, beside the last fleet
 * read, aged to the current time.
 */
import type { Client } from '@libsql/client';
import { fleetView, type FleetRegionView, type FleetRow } from './fleet-view.ts';
import { LiveAggregates, type BucketView } from './live-aggregates.ts';
import { readFleet } from './read-fleet.ts';
import { readMaxRowids, readNewRows, type Cursors, type FeedRow } from './read-decisions.ts';

export interface LiveOptions {
  readonly client: Client;
  readonly pollMs: number;
  readonly bucketMs: number;
  readonly keepBuckets: number;
  /** Decisions kept for the feed and sent per tick at most. */
  readonly feedSize: number;
  /** On start, read at most this many past decisions into the charts. */
  readonly backfillRows: number;
  readonly now: () => number;
  readonly onError: (message: string) => void;
}

export type FeedItem = Omit<FeedRow, 'rowid'>;

/** Sent to a browser when it connects. */
export interface LiveState {
  readonly at: number;
  readonly bucketMs: number;
  readonly fleet: readonly FleetRegionView[];
  readonly feed: readonly FeedItem[];
  readonly buckets: readonly BucketView[];
  readonly error: string | null;
}

/** Sent every tick: the fleet (small), only new decisions, only buckets that changed. */
export interface LiveTick {
  readonly at: number;
  readonly fleet: readonly FleetRegionView[];
  readonly feed: readonly FeedItem[];
  readonly newDecisions: number;
  readonly buckets: readonly BucketView[];
  readonly error: string | null;
  /** How long the tick's reads and folding took on the server. */
  readonly tickMs: number;
}

const strip = ({ rowid: _rowid, ...rest }: FeedRow): FeedItem => rest;

export class LivePoller {
  readonly #o: LiveOptions;
  readonly #agg: LiveAggregates;
  readonly #subscribers = new Set<(tick: LiveTick) => void>();
  #cursors: Cursors | null = null;
  #feed: FeedItem[] = [];
  // The last rows read, not a view: during an outage ages keep growing and health turns stale.
  #fleetRows: FleetRow[] = [];
  #error: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();

  constructor(options: LiveOptions) {
    this.#o = options;
    this.#agg = new LiveAggregates({ bucketMs: options.bucketMs, keep: options.keepBuckets });
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  subscribe(fn: (tick: LiveTick) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  state(): LiveState {
    const now = this.#o.now();
    return { at: now, bucketMs: this.#o.bucketMs, fleet: fleetView(this.#fleetRows, now), feed: this.#feed, buckets: this.#agg.view(now), error: this.#error };
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.tick().then(() => this.#schedule(this.#o.pollMs));
    }, delay);
  }

  /** One poll; public so tests and the benchmark can drive it without timers. */
  async tick(): Promise<LiveTick> {
    const started = performance.now();
    let feed: FeedItem[] = [];
    let newDecisions = 0;
    let from = Infinity;
    try {
      if (this.#cursors === null) {
        const max = await readMaxRowids(this.#o.client);
        this.#cursors = { decisions: Math.max(0, max.decisions - this.#o.backfillRows), outcomes: Math.max(0, max.outcomes - this.#o.backfillRows * 2) };
      }
      const [rows, fleetRows] = await Promise.all([
        readNewRows(this.#o.client, this.#cursors, this.#o.bucketMs, this.#o.feedSize),
        readFleet(this.#o.client),
      ]);
      this.#cursors = rows.cursors;
      this.#fleetRows = fleetRows;
      feed = rows.feed.map(strip);
      newDecisions = rows.newDecisions;
      this.#feed = [...feed, ...this.#feed].slice(0, this.#o.feedSize);
      from = Math.min(this.#agg.addTraffic(rows.traffic), this.#agg.addOutcomes(rows.outcomes));
      this.#error = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.#error !== message) this.#o.onError(`dashboard: ${message}`);
      this.#error = message;
    }
    const now = this.#o.now();
    this.#agg.prune(now);
    // The current bucket is always sent so the charts' time axis moves even without traffic.
    const tick: LiveTick = {
      at: now,
      fleet: fleetView(this.#fleetRows, now),
      feed,
      newDecisions,
      buckets: this.#agg.view(now, Math.min(from, this.#agg.bucketOf(now))),
      error: this.#error,
      tickMs: Math.round((performance.now() - started) * 100) / 100,
    };
    for (const fn of this.#subscribers) fn(tick);
    return tick;
  }
}
