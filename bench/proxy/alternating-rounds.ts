/**
 * Same-window comparison on a shared machine, the one loop bench/proxy-ab.ts, proxy-floor.ts and
 * proxy-gc.ts share: every target at every connection count, `rounds` times, the order flipped
 * each round so every target sees the same window of other load. At c=1 a direct run just before
 * each measured run gives the added latency in that same moment.
 */
import { loadavg } from 'node:os';
import { closedLoop, type LoadResult } from './load.ts';

export interface RoundsOptions<T> {
  /** How a target is named in error lines. */
  readonly label: (t: T) => string;
  /** The upstream's own URL (the c=1 baseline). */
  readonly direct: string;
  readonly conns: readonly number[];
  readonly rounds: number;
  readonly seconds: number;
}

/** One measured run: the load result and the latency it added over direct (0 baseline at c > 1). */
export interface RoundResult {
  readonly x: LoadResult;
  readonly added50: number;
  readonly added99: number;
}

/** Per connection count, the figures every bench prints. */
export interface Samples {
  added50: number[];
  added99: number[];
  rps: number[];
  cpu: number[];
}

/**
 * Runs the rounds: `run(t, c)` measures target t at c connections (wrap `closedLoop` to read
 * counters around it), `record` gets each result. Returns the 1-minute load average seen before
 * each run.
 */
export async function alternateRounds<T>(
  targets: readonly T[],
  o: RoundsOptions<T>,
  run: (t: T, c: number) => Promise<LoadResult>,
  record: (t: T, c: number, r: RoundResult) => void,
): Promise<number[]> {
  const loads: number[] = [];
  for (let r = 0; r < o.rounds; r += 1) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
      for (const c of o.conns) {
        loads.push(loadavg()[0] ?? NaN);
        const base = c === 1 ? await closedLoop(o.direct, '/', 1, 300, o.seconds * 1000) : null;
        const x = await run(t, c);
        record(t, c, { x, added50: x.p50Ms - (base?.p50Ms ?? 0), added99: x.p99Ms - (base?.p99Ms ?? 0) });
        if (x.errors > 0) process.stdout.write(`${o.label(t)} c=${c}: ${x.errors} errors\n`);
      }
    }
  }
  return loads;
}

export const emptySamples = (): Samples => ({ added50: [], added99: [], rps: [], cpu: [] });

/** The samples kept for connection count c (made on first use). */
export function samplesAt<S extends Samples>(by: Map<number, S>, c: number, make: () => S): S {
  const s = by.get(c) ?? make();
  by.set(c, s);
  return s;
}

/** Appends a result's figures to the samples of its connection count. */
export function pushSample(s: Samples, r: RoundResult): void {
  s.added50.push(r.added50);
  s.added99.push(r.added99);
  s.rps.push(r.x.rps);
  s.cpu.push(r.x.cpuUsPerRequest ?? NaN);
}

export const median = (a: readonly number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
export const range = (a: readonly number[], d = 0): string => `${Math.min(...a).toFixed(d)}–${Math.max(...a).toFixed(d)}`;
