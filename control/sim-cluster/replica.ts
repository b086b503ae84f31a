/**
 * One simulated replica's state: slots, model loading, fault mode, counters.
 * HTTP, WebSocket and job handlers all admit work through `admit`, so a
 * request on any transport competes for the same slots and sees the same faults.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { injectedFailure, slotsFull } from './errors.ts';
import { zeroCounters, type Counters } from './counters.ts';
import { applyControlPatch, defaultFaultMode, type ControlPatch, type FaultMode } from './fault-mode.ts';
import { KvCacheModel } from './kv-cache-model.ts';
import { ModelLoader } from './model-loader.ts';
import type { SimClusterConfig } from './options.ts';
import { SlotPool, type Release } from './slot-pool.ts';

/** A slot held by one request; `release` is idempotent. */
export interface Ticket {
  /** Milliseconds this request waited for the model to load. */
  readonly coldStartMs: number;
  /** Fault mode when admitted: a request keeps the mode it started with. */
  readonly mode: FaultMode;
  release(): void;
}

/** What `GET /_control` returns. */
export interface ReplicaSnapshot {
  readonly clusterId: string;
  readonly replicaId: string;
  readonly model: string;
  readonly gpuType: string;
  readonly mode: FaultMode;
  readonly modelLoaded: boolean;
  readonly coldStarts: number;
  readonly slots: number;
  readonly running: number;
  readonly waiting: number;
  readonly queueMode: 'queue' | 'reject';
  readonly queueLimit: number;
  readonly tokensPerSecond: number;
  readonly counters: Counters;
}

export class Replica {
  readonly pool: SlotPool;
  readonly loader: ModelLoader;
  readonly initialMode: FaultMode;
  /** Prefix cache and prefill lane (kv-cache-model.ts). */
  readonly kv: KvCacheModel;
  mode: FaultMode;
  counters: Counters = zeroCounters();
  #seq = 0;

  constructor(readonly config: SimClusterConfig) {
    this.pool = new SlotPool(config.slots, config.queueLimit);
    this.loader = new ModelLoader(config.coldStartMs, config.idleUnloadMs);
    this.kv = new KvCacheModel(config);
    this.initialMode = defaultFaultMode(config.dieAfterTokens);
    this.mode = this.initialMode;
  }

  /** A per-replica sequence number for response ids. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Seconds a refused client should wait: about one default-length answer. */
  retryAfterS(): number {
    return Math.max(1, Math.ceil(this.config.defaultMaxTokens / this.config.tokensPerSecond));
  }

  /**
   * Admits one request: injected failure, then a slot (or the queue, or 429),
   * then the cold start, then any injected slowdown. Throws `SimHttpError` for
   * refusals and the signal's reason when the client goes away meanwhile.
   */
  async admit(signal: AbortSignal): Promise<Ticket> {
    const mode = this.mode;
    if (mode.fail || mode.serverErrors) {
      this.counters.failed += 1;
      throw injectedFailure();
    }
    const queuedAt = performance.now();
    const admission = this.pool.acquire(signal);
    if (admission.kind === 'full') {
      this.counters.rejected += 1;
      throw slotsFull(this.retryAfterS());
    }
    const releaseSlot: Release = admission.kind === 'granted' ? admission.release : await admission.ready;
    const grantedAt = performance.now();
    this.counters.queueSeconds += (grantedAt - queuedAt) / 1000;
    this.counters.queueCount += 1;
    let loaded = false;
    try {
      const coldStartMs = await this.loader.ensureLoaded(signal);
      loaded = true;
      if (mode.slowdownMs > 0) await sleep(mode.slowdownMs, undefined, { signal });
      let released = false;
      return {
        coldStartMs,
        mode,
        release: () => {
          if (released) return;
          released = true;
          const end = performance.now();
          this.counters.runSeconds += (end - grantedAt) / 1000;
          this.counters.e2eSeconds += (end - queuedAt) / 1000;
          this.counters.runCount += 1;
          this.loader.finish();
          releaseSlot();
        },
      };
    } catch (err) {
      if (loaded) this.loader.finish();
      releaseSlot();
      throw err;
    }
  }

  /** Applies a control patch (reset first, then fields; `unload` drops the model). */
  apply(patch: ControlPatch): ReplicaSnapshot {
    this.mode = applyControlPatch(this.mode, patch, this.initialMode);
    if (patch.reset === true) this.counters = zeroCounters();
    if (patch.unload === true) this.loader.unload();
    return this.snapshot();
  }

  snapshot(): ReplicaSnapshot {
    const c = this.config;
    return {
      clusterId: c.clusterId,
      replicaId: c.replicaId,
      model: c.model,
      gpuType: c.gpuType,
      mode: this.mode,
      modelLoaded: this.loader.loaded,
      coldStarts: this.loader.loads,
      slots: c.slots,
      running: this.pool.running,
      waiting: this.pool.waiting,
      queueMode: c.queueMode,
      queueLimit: c.queueLimit,
      tokensPerSecond: c.tokensPerSecond,
      counters: { ...this.counters },
    };
  }
}
