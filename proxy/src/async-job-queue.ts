/**
 * One app's async jobs on this proxy process: how many it may have unfinished (`jobQueueCap`, and
 * within its project's `jobProjectCap`, all the project's apps together: the caps that keep one
 * tenant's backlog from costing every other tenant; counted per proxy through `jobSlotKey` and
 * `projectJobSlotKey`) and the waiting line of those the app's limits refused. A waiting job is
 * an id only (its body stays in libSQL) and costs no request and no database write while it
 * waits: it starts again when one of the app's own jobs ends (its slot is free: the wake-up) or,
 * since a slot may also be held by plain traffic, another cluster worker or another proxy of a
 * shared limit, which this process is not told about, when the app's single retry timer fires
 * (one probe per Retry-After per app, not one per job). At most the app's maxConcurrency runs are
 * started at once (the window), so a burst of submits or a restart's backlog does not send a herd
 * of runs the limit would refuse anyway.
 */

import type { AppLimits } from '../../shared/domain/types.ts';

/** Unfinished jobs per app when the proxy sets none: 16 per concurrency slot, 64–1000; 1000 without a limit. */
export const JOB_QUEUE_PER_SLOT = 16;
export const JOB_QUEUE_MIN = 64;
export const JOB_QUEUE_MAX = 1_000;

export function jobQueueCap(configured: number, maxConcurrency: number | null): number {
  if (configured > 0) return configured;
  if (maxConcurrency === null) return JOB_QUEUE_MAX;
  return Math.min(JOB_QUEUE_MAX, Math.max(JOB_QUEUE_MIN, JOB_QUEUE_PER_SLOT * maxConcurrency));
}

/**
 * Unfinished jobs of one project, all its apps together, when the proxy sets none: what one app
 * may have at most. The app's cap follows its own limits, but the bound between tenants is the
 * project's: a project that created 20 apps once kept 20 apps' caps of jobs on a proxy.
 */
export function jobProjectCap(configuredProject: number, configuredApp: number): number {
  return configuredProject > 0 ? configuredProject : Math.max(JOB_QUEUE_MAX, configuredApp);
}

/**
 * The caps are counted as a slot per unfinished job in the proxy's admission (app-limits.ts),
 * one under the app's key and one under its project's: one process counts alone, a cluster's
 * workers through their primary (cluster-limits.ts), so the caps hold per proxy, not once per
 * worker. Scope `proxy`: never leased.
 */
const SLOT_PREFIX = 'jobs:';
const PROJECT_SLOT_PREFIX = 'jobs-project:';
export const jobSlotKey = (appId: string): string => SLOT_PREFIX + appId;
export const projectJobSlotKey = (project: string): string => PROJECT_SLOT_PREFIX + project;
export const jobSlotLimits = (cap: number): AppLimits => ({ maxConcurrency: cap, maxRps: null, scope: 'proxy' });

/** The limits of a job slot key: its project's cap (`projectJobSlotKey`), else its app's. */
export function jobSlotLimitsOf(key: string, appCap: (appId: string) => number, projectCap: number): AppLimits {
  return jobSlotLimits(key.startsWith(PROJECT_SLOT_PREFIX) ? projectCap : appCap(key.slice(SLOT_PREFIX.length)));
}

/** How often a line waiting only behind its own app's runs probes anyway (a stale window). */
const PROBE_MS = 1_000;

export class AppJobQueue {
  /** Queued or running here. */
  readonly #live = new Set<string>();
  readonly #waiting: string[] = [];
  /** A run of this app was refused: new jobs wait in line instead of trying too. */
  #blocked = false;
  #timer: NodeJS.Timeout | null = null;
  /** Runs started and not yet ended or refused. */
  #inFlight = 0;

  constructor(
    private readonly start: (id: string) => void,
    /** Runs worth starting at once: the app's maxConcurrency (Infinity without one). */
    private readonly window: () => number,
  ) {}

  get size(): number {
    return this.#live.size;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** A stored job: runs now unless the app is being refused, then waits its turn. */
  add(id: string): void {
    this.#live.add(id);
    this.#waiting.push(id);
    this.#pump();
    // Waiting behind its own app's runs: their ends wake it; the timer covers a stale window.
    // While refused, a run out (a probe) answers with the next delay: no probe ahead of it.
    if (this.#waiting.length > 0 && (!this.#blocked || this.#inFlight === 0)) this.#arm(PROBE_MS);
  }

  /** The job's run was refused "for now": it goes first in line; the app probes again after `delayMs`. */
  refused(id: string, delayMs: number): void {
    this.#inFlight--;
    this.#waiting.unshift(id);
    this.#blocked = true;
    // The limit's own answer: it replaces a probe armed sooner (a Retry-After of 30 s means 30 s).
    this.#disarm();
    this.#arm(delayMs);
  }

  /** The job is over (done, failed, cancelled): its slot is free for the next in line. */
  ended(id: string): void {
    this.#live.delete(id);
    this.#inFlight--;
    // A slot of the app was just freed: what made it refuse may be over.
    this.#blocked = false;
    this.#pump();
    if (this.#waiting.length > 0) this.#arm(PROBE_MS);
  }

  /** Cancelled while waiting: no longer counted; it leaves the line when its turn comes. */
  forget(id: string): void {
    this.#live.delete(id);
  }

  stop(): void {
    this.#disarm();
    this.#waiting.length = 0;
  }

  #pump(): void {
    while (!this.#blocked && this.#waiting.length > 0 && this.#inFlight < this.window()) this.#launch();
  }

  #launch(): void {
    let id = this.#waiting.shift();
    // Cancelled while waiting: skipped, so its end cannot pass for a freed slot and unblock the line.
    while (id !== undefined && !this.#live.has(id)) id = this.#waiting.shift();
    if (id === undefined) return;
    this.#inFlight++;
    this.start(id);
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * One timer per app. The probe it fires is one run whatever the window; while the app is
   * refused, the probe's answer arms the next one (a refusal its Retry-After, an end the short
   * probe), so the timer never probes ahead of the limit's answer.
   */
  #arm(delayMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#launch();
      // Waiting only behind the app's own runs (a stale window): keep probing.
      if (!this.#blocked && this.#waiting.length > 0) this.#arm(PROBE_MS);
    }, delayMs);
  }
}
