/**
 * What the proxy knows of each replica for inference-aware choice: the engine's last
 * `/metrics` report (scraped by replica-scraper.ts), our own in-flight requests to it (exact
 * and current, across apps), and the approximate prefix index. Keyed by replica URL: one
 * replica's KV cache serves every app routed to it.
 */
import type { EngineLoad } from '../../shared/engine-metrics/read-engine-metrics.ts';
import { PrefixIndex } from '../../shared/prefix-cache/prefix-index.ts';

/**
 * Most blocks one replica's index may hold however large a KV capacity its /metrics reports
 * (16 M characters, ≈ 4 M tokens at the defaults: more than one engine holds today); a buggy or
 * hostile page must not let the index grow with traffic without bound.
 */
const MAX_INDEX_BLOCKS = 262_144;

/** A replica nobody asked about for this long is no longer scraped. */
const WANT_TTL_MS = 60_000;

interface Scraped {
  readonly load: EngineLoad;
  readonly at: number;
  /** Our in-flight count when the engine reported, so later sends are not counted twice. */
  readonly ownAtScrape: number;
}

export class ReplicaSignals {
  readonly index: PrefixIndex;
  /** MAX_INDEX_BLOCKS, or the configured default size when an operator set it larger. */
  private readonly maxIndexBlocks: number;
  private readonly scraped = new Map<string, Scraped>();
  private readonly own = new Map<string, number>();
  private readonly wanted = new Map<string, number>();

  constructor(
    private readonly blockChars: number,
    /** Characters per token of the engine's tokenizer, to turn its KV capacity into our blocks. */
    private readonly charsPerToken: number,
    defaultIndexBlocks: number,
    /** Reports older than this are ignored (three missed scrapes). */
    private readonly staleMs: number,
  ) {
    this.index = new PrefixIndex(defaultIndexBlocks);
    this.maxIndexBlocks = Math.max(MAX_INDEX_BLOCKS, defaultIndexBlocks);
  }

  private lastSweep = 0;

  /** An inference-aware pick considered this replica: keep scraping it. */
  want(url: string, now: number): void {
    this.wanted.set(url, now);
    // Also when scraping is off: a departed replica's prefix LRU must not stay for good.
    if (now - this.lastSweep > WANT_TTL_MS) this.sweep(now);
  }

  /** Replicas to scrape now (wanted recently); forgets the rest. */
  toScrape(now: number): string[] {
    this.sweep(now);
    return [...this.wanted.keys()];
  }

  /**
   * Forgets replicas no pick considered for WANT_TTL_MS (left the pool, or their apps went
   * quiet): their report, prefix index and idle in-flight count. A quiet app's prefixes are
   * placed again by rendezvous, which picks the same replica while the pool is unchanged.
   */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [url, at] of this.wanted) {
      if (now - at <= WANT_TTL_MS) continue;
      this.wanted.delete(url);
      this.scraped.delete(url);
      this.index.drop(url);
      if (this.inFlight(url) === 0) this.own.delete(url);
    }
  }

  began(url: string): void {
    this.own.set(url, (this.own.get(url) ?? 0) + 1);
  }

  ended(url: string): void {
    this.own.set(url, Math.max(0, (this.own.get(url) ?? 1) - 1));
  }

  inFlight(url: string): number {
    return this.own.get(url) ?? 0;
  }

  /** A fresh engine report: remember it, and size the replica's prefix LRU from its KV capacity. */
  observe(url: string, load: EngineLoad, now: number): void {
    this.scraped.set(url, { load, at: now, ownAtScrape: this.inFlight(url) });
    if (load.kvCapacityTokens !== null)
      this.index.setCapacity(url, Math.min(this.maxIndexBlocks, (load.kvCapacityTokens * this.charsPerToken) / this.blockChars));
  }

  /** The scrape failed: the last report ages out on its own. */
  report(url: string, now: number): EngineLoad | null {
    const s = this.scraped.get(url);
    return s === undefined || now - s.at > this.staleMs ? null : s.load;
  }

  /**
   * Waiting + running as the engine last said, plus what we sent since (our in-flight now
   * minus then); never less than our own in-flight count. Our count alone without a report.
   */
  load(url: string, now: number): number {
    const own = this.inFlight(url);
    const s = this.scraped.get(url);
    if (s === undefined || now - s.at > this.staleMs) return own;
    return Math.max(own, s.load.running + s.load.waiting + own - s.ownAtScrape);
  }

  kvUsage(url: string, now: number): number | null {
    return this.report(url, now)?.kvUsage ?? null;
  }
}
