/**
 * The one count of a proxy's retained job results (retained-job-results.ts) and the deletions it
 * decides. Exactly one process of a proxy holds it: a single-process proxy itself, or the primary
 * of a cluster (cluster-primary.ts), to which workers report each result they keep
 * (`JobResultMessage`). Each worker used to count on its own — every result that ended before the
 * boot once per worker, a crashed worker's own results by nobody — so per-app budgets were
 * per-process and wrong after a restart, and nothing bounded the disk the workers share.
 */
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { JobStore } from './async-job-store.ts';
import { RetainedResults, type Eviction, type RetainedResult } from './retained-job-results.ts';

/** A worker kept a result: the primary counts it. */
export interface JobResultMessage extends RetainedResult {
  readonly sy: 'job-result';
  readonly appId: string;
}

export function isJobResultMessage(m: unknown): m is JobResultMessage {
  return typeof m === 'object' && m !== null && (m as { sy?: unknown }).sy === 'job-result';
}

/** How often a boot during a libSQL blip tries again to count the results kept before it. */
const LEDGER_RETRY_MS = 10_000;

export interface LedgerOptions {
  readonly proxyId: string;
  readonly store: JobStore;
  readonly perAppBytes: number;
  readonly totalBytes: number;
  readonly now: () => number;
  readonly logger: Logger;
}

export class JobResultLedger {
  readonly #retained: RetainedResults;
  #retry: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(private readonly o: LedgerOptions) {
    this.#retained = new RetainedResults(o.perAppBytes, o.totalBytes);
  }

  /**
   * Results kept from before `before` (the boot) count too, so a restart hands out no fresh budget.
   * They are older than any result counted since, so they go in front of them (newest first).
   */
  async load(before: number): Promise<void> {
    const rows = await this.o.store.retained(this.o.proxyId, before);
    const now = this.o.now();
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i] as (typeof rows)[number];
      // Past its retention (the sweeper deletes it; during a libSQL outage it could not): counting
      // it would only push other apps' live results out under the total bound.
      if (r.expiresAt <= now) continue;
      for (const e of this.#retained.addOlder(r.appId, r)) await this.#evict(e, false);
    }
  }

  /**
   * `load`, tried again every `retryMs` until libSQL answers: a boot during a libSQL blip used to
   * leave the results kept before it uncounted until they expired (an app could keep its budget
   * twice over on the disk all apps share). Resolves after the first try; never rejects.
   */
  async loadUntilDone(before: number, retryMs = LEDGER_RETRY_MS): Promise<void> {
    try {
      await this.load(before);
    } catch (err) {
      this.o.logger.warn({ err }, `could not count the async job results kept before this boot; trying again every ${retryMs} ms`);
      const retry = (): void => {
        this.#retry = null;
        this.load(before).then(
          () => this.o.logger.info('counted the async job results kept before this boot'),
          () => {
            if (!this.#stopped) this.#retry = setTimeout(retry, retryMs).unref();
          },
        );
      };
      if (!this.#stopped) this.#retry = setTimeout(retry, retryMs).unref();
    }
  }

  /** No more retries of the boot count (a stopped proxy that goes on in the same process). */
  stop(): void {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
  }

  /**
   * Counts a kept result and deletes what its bounds push out: row first (`expired`, so its status
   * URL says why and its result URL answers 410), then the file. Never throws: the job it was
   * called for is already completed.
   */
  async add(appId: string, result: RetainedResult): Promise<void> {
    for (const e of this.#retained.add(appId, result)) await this.#evict(e, e.result === result);
  }

  /** The sweeper deleted results past their retention: stop counting them. */
  expire(now: number): void {
    this.#retained.expire(now);
  }

  bytesOf(appId: string): number {
    return this.#retained.bytesOf(appId);
  }

  /** `justStored`: the result that was being counted went itself (with it, its project held the most). */
  async #evict({ result, bound }: Eviction, justStored: boolean): Promise<void> {
    const total = `this proxy keeps at most ${this.o.totalBytes} bytes of finished results in all (PROXY_JOB_RESULT_BYTES_TOTAL)`;
    const error =
      bound === 'app'
        ? `result deleted before its retention ended: its app keeps at most ${this.o.perAppBytes} bytes of finished results on this proxy (PROXY_JOB_RESULT_BYTES_PER_APP), oldest deleted first`
        : justStored
          ? `result deleted as it was stored: ${total}, and with it its project (all its apps together) would have held the most`
          : `result deleted before its retention ended: ${total}, and its project (all its apps together) held the most, so its app holding the most lost its oldest`;
    try {
      await this.o.store.update(result.id, ['completed'], { status: 'expired', resultPath: null, error }, this.o.now());
    } catch (err) {
      // The row still names the file: its result URL answers 410 "gone" once the file is deleted.
      this.o.logger.warn({ err, job: result.id }, 'could not mark an async job result expired');
    }
    await unlink(result.path).catch(() => undefined);
  }
}
