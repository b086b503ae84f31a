/**
 * The simulated clusters' autoscaler: when a deployment gets more replicas.
 *
 * `kpa` (the default) is Knative's Pod Autoscaler, the default autoscaler of KServe's
 * serverless mode, with its documented defaults (config-autoscaler): it scales on
 * concurrency (running + waiting requests per replica) towards 70 % of the replica's hard
 * limit (`container-concurrency-target-percentage`), averaged over a 60 s stable window;
 * when the 6 s panic window (10 % of it) asks for at least 200 % of the ready replicas it
 * panics: it provisions for the panic window and does not scale down until the burst has
 * been in the stable window for a whole window. It decides every 2 s (`tick-interval`).
 *
 * `hpa` is a Kubernetes HorizontalPodAutoscaler fed by KEDA's Prometheus scaler with the
 * engine's running + waiting requests (vLLM's `num_requests_running + num_requests_waiting`)
 * as an AverageValue metric: every 15 s, 10 % tolerance, scale-up at most max(4 pods, 100 %)
 * per period, metric averaged over KEDA's 30 s polling interval, wake-from-zero on that poll.
 * Its per-replica target is the replica's full concurrency unless `targetUtilization` says less.
 *
 * `instant` is the simulator's rule before session 9: a replica starts the moment any request
 * queues (kept so older results can be reproduced).
 *
 * Scale-down stays the cluster's `scaleDownIdleSeconds` rule (run-strategy's housekeeping),
 * towards the same per-replica target. Pure: no I/O, no clock; the caller samples demand
 * (busy + queued, requests waiting for a starting replica included) once per tick.
 */

export interface KpaAutoscaler {
  readonly kind: 'kpa';
  /** Decide every this often (Knative `tick-interval`, 2 s). */
  readonly tickSeconds: number;
  /** Concurrency averaged over this window in stable mode (`stable-window`, 60 s). */
  readonly stableWindowSeconds: number;
  /** The panic window as a share of the stable one (`panic-window-percentage`, 10 → 6 s). */
  readonly panicWindowPercent: number;
  /** Panic when the panic window asks for this share of the ready replicas (`panic-threshold-percentage`, 200). */
  readonly panicThresholdPercent: number;
  /** Target concurrency per replica as a share of its hard limit (`container-concurrency-target-percentage`, 70 %). */
  readonly targetUtilization: number;
  /** At most this many times the ready replicas per decision (`max-scale-up-rate`, 1000). */
  readonly maxScaleUpRate: number;
}

export interface HpaAutoscaler {
  readonly kind: 'hpa';
  /** How often the HPA controller evaluates (Kubernetes default 15 s). */
  readonly syncPeriodSeconds: number;
  /** The metric is the mean of the demand samples over this window (KEDA's default pollingInterval, 30 s). */
  readonly windowSeconds: number;
  /** No change while |metric / target − 1| ≤ tolerance (HPA default 0.1). */
  readonly tolerance: number;
  /** Scale-up limit per sync period: the larger of +pods and +percent % (HPA default 4 pods, 100 %). */
  readonly scaleUpPods: number;
  readonly scaleUpPercent: number;
  /** A deployment at zero replicas is woken by KEDA's poll, this often (KEDA default 30 s). */
  readonly activationSeconds: number;
  /** Per-replica target as a share of its concurrency (a user choice in KEDA; 1 = the engine's full batch). */
  readonly targetUtilization: number;
}

export type AutoscalerSpec = { readonly kind: 'instant' } | KpaAutoscaler | HpaAutoscaler;
export type AutoscalerKind = AutoscalerSpec['kind'];

export const KPA_DEFAULTS: KpaAutoscaler = {
  kind: 'kpa',
  tickSeconds: 2,
  stableWindowSeconds: 60,
  panicWindowPercent: 10,
  panicThresholdPercent: 200,
  targetUtilization: 0.7,
  maxScaleUpRate: 1000,
};

export const HPA_DEFAULTS: HpaAutoscaler = {
  kind: 'hpa',
  syncPeriodSeconds: 15,
  windowSeconds: 30,
  tolerance: 0.1,
  scaleUpPods: 4,
  scaleUpPercent: 100,
  activationSeconds: 30,
  targetUtilization: 1,
};

/** Share of a replica's concurrency the autoscaler aims at (the scale-down target uses it too). */
export function targetUtilization(spec: AutoscalerSpec): number {
  return spec.kind === 'instant' ? 1 : spec.targetUtilization;
}

/** The last `size` demand samples (busy + queued, one per tick), with their running sum. */
export class DemandWindow {
  private readonly xs: Float64Array;
  private n = 0;
  private next = 0;
  private sum = 0;

  constructor(size: number) {
    this.xs = new Float64Array(Math.max(1, size));
  }

  add(x: number): void {
    if (this.n === this.xs.length) this.sum -= this.xs[this.next] ?? 0;
    else this.n++;
    this.xs[this.next] = x;
    this.sum += x;
    this.next = (this.next + 1) % this.xs.length;
  }

  /** Mean of the samples held (0 before the first). */
  mean(): number {
    return this.n === 0 ? 0 : Math.max(0, this.sum / this.n);
  }

  clear(): void {
    this.n = 0;
    this.next = 0;
    this.sum = 0;
  }
}

/** One deployment's autoscaler memory: its demand windows and, for kpa, its panic state. */
export class ScalerState {
  readonly stable: DemandWindow;
  readonly panic: DemandWindow;
  /** When the kpa last saw its panic threshold crossed (null: not panicking). */
  panicSinceMs: number | null = null;
  /** The most replicas asked for during this panic (a panicking kpa never asks for fewer). */
  maxPanicPods = 0;

  constructor(spec: AutoscalerSpec, tickSeconds: number) {
    const samples = (s: number): number => Math.max(1, Math.round(s / tickSeconds));
    const stableS = spec.kind === 'kpa' ? spec.stableWindowSeconds : spec.kind === 'hpa' ? spec.windowSeconds : tickSeconds;
    this.stable = new DemandWindow(samples(stableS));
    this.panic = new DemandWindow(spec.kind === 'kpa' ? samples((spec.stableWindowSeconds * spec.panicWindowPercent) / 100) : 1);
  }

  add(demand: number): void {
    this.stable.add(demand);
    this.panic.add(demand);
  }

  reset(): void {
    this.stable.clear();
    this.panic.clear();
    this.panicSinceMs = null;
    this.maxPanicPods = 0;
  }
}

export interface ScaleInput {
  /** Ready replicas. */
  readonly replicas: number;
  /** Replicas starting (in the current scale, not yet serving). */
  readonly starting: number;
  readonly concurrencyPerReplica: number;
}

/** Whether the autoscaler decides at tick `t` (ms): on every crossing of its period (periods need not be multiples of the tick). */
export function decidesAt(spec: AutoscalerSpec, tMs: number, tickMs: number, current: number): boolean {
  if (spec.kind === 'instant') return false;
  const periodS = spec.kind === 'kpa' ? spec.tickSeconds : current === 0 ? spec.activationSeconds : spec.syncPeriodSeconds;
  const periodMs = periodS * 1000;
  return Math.floor(tMs / periodMs) !== Math.floor((tMs - tickMs) / periodMs);
}

/** Replicas to add now (0 = hold) under the state's windows; updates the kpa's panic state. Never scales down. */
export function replicasToAdd(spec: KpaAutoscaler | HpaAutoscaler, st: ScalerState, x: ScaleInput, tMs: number): number {
  const desired = spec.kind === 'kpa' ? kpaDesired(spec, st, x, tMs) : hpaDesired(spec, st.stable.mean(), x);
  return Math.max(0, desired - x.replicas - x.starting);
}

/** Knative's KPA decision (autoscaler.go `Scale`), desired pods from the stable and panic windows. */
function kpaDesired(spec: KpaAutoscaler, st: ScalerState, x: ScaleInput, tMs: number): number {
  const target = x.concurrencyPerReplica * spec.targetUtilization;
  if (target <= 0) return 0;
  const ready = Math.max(1, x.replicas);
  const maxUp = Math.ceil(spec.maxScaleUpRate * ready);
  const stablePods = Math.min(Math.ceil(st.stable.mean() / target - 1e-9), maxUp);
  const panicPods = Math.min(Math.ceil(st.panic.mean() / target - 1e-9), maxUp);
  const over = panicPods / ready >= spec.panicThresholdPercent / 100;
  if (over) st.panicSinceMs = tMs;
  else if (st.panicSinceMs !== null && tMs - st.panicSinceMs >= spec.stableWindowSeconds * 1000) {
    // The burst has made its way into the stable window: back to stable mode.
    st.panicSinceMs = null;
    st.maxPanicPods = 0;
  }
  if (st.panicSinceMs === null) return stablePods;
  // Panicking: provision for the larger window, and never for fewer than earlier in this panic.
  st.maxPanicPods = Math.max(st.maxPanicPods, stablePods, panicPods);
  return st.maxPanicPods;
}

/**
 * The HPA's desired replicas: ceil(demand / target) — its ceil(current × metric / target) with the
 * AverageValue metric summed over ready pods and starting (unready) pods counted at zero load —
 * unless the ratio is within tolerance, capped by the scale-up policy; one replica from zero (KEDA's wake-up).
 */
function hpaDesired(spec: HpaAutoscaler, demand: number, x: ScaleInput): number {
  const current = x.replicas + x.starting;
  const target = x.concurrencyPerReplica * spec.targetUtilization;
  if (!(demand > 0) || target <= 0) return current;
  if (current === 0) return 1;
  if (demand / (target * current) <= 1 + spec.tolerance) return current;
  const cap = Math.max(current + spec.scaleUpPods, Math.ceil(current * (1 + spec.scaleUpPercent / 100)));
  return Math.min(Math.ceil(demand / target - 1e-9), cap);
}
