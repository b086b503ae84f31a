/**
 * Closed-loop load: `connections` loops, each sending the next request as soon
 * as the previous answer arrived, over one undici Pool. Latency per request
 * with hrtime; percentiles from the sorted samples.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

export interface LoadResult {
  readonly connections: number;
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time the measured processes spent per measured request, µs (null: no process given). */
  readonly cpuUsPerRequest: number | null;
}

/** utime + stime of these processes, in clock ticks (1/100 s on Linux). */
export function cpuTicks(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      /* gone */
    }
  }
  return ticks;
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function closedLoop(
  origin: string,
  path: string,
  connections: number,
  warmupMs: number,
  durationMs: number,
  /** Processes whose CPU time per request is reported (the proxy's). */
  pids: readonly number[] = [],
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const samples: number[] = [];
  let errors = 0;
  let measuring = false;
  let stopAt = Date.now() + warmupMs + durationMs;
  const loop = async (): Promise<void> => {
    while (Date.now() < stopAt) {
      const t0 = process.hrtime.bigint();
      try {
        const r = await pool.request({ path, method: 'GET' });
        await r.body.dump();
        if (r.statusCode !== 200) errors += 1;
        else if (measuring) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch {
        errors += 1;
      }
    }
  };
  let ticks0 = 0;
  setTimeout(() => {
    measuring = true;
    ticks0 = cpuTicks(pids);
  }, warmupMs).unref();
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, loop));
  stopAt = 0;
  const ticks = cpuTicks(pids) - ticks0;
  await pool.close();
  const measured = Math.max(1, Date.now() - started - warmupMs);
  samples.sort((a, b) => a - b);
  return {
    connections,
    requests: samples.length,
    errors,
    rps: (samples.length / measured) * 1000,
    p50Ms: pct(samples, 50),
    p99Ms: pct(samples, 99),
    cpuUsPerRequest: pids.length === 0 || samples.length === 0 ? null : (ticks * 10_000) / samples.length,
  };
}
