/**
 * What admission through the cluster primary costs a proxy worker (proxy/src/cluster-limits.ts):
 * a real primary and one real worker (node:cluster); the worker acquires and releases one slot of
 * a limited app through the primary's IPC, in sequence (the round trip one request waits) and 32
 * at a time (throughput), next to the one-process AppLimiter doing the same in-process.
 *
 *   npx tsx bench/cluster-admission.ts     (BENCH_ADMISSIONS=20000 to tune)
 */
import cluster from 'node:cluster';
import { AppLimiter } from '../proxy/src/app-limits.ts';
import { PrimaryLimits, processChannel, workerAdmission } from '../proxy/src/cluster-limits.ts';

const N = Number(process.env['BENCH_ADMISSIONS'] ?? 20_000);
const LIMITS = { maxConcurrency: 1_000, maxRps: null, scope: 'proxy' as const };

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function worker(): Promise<void> {
  const adm = workerAdmission(() => LIMITS, processChannel());
  const local = new AppLimiter(() => LIMITS);
  const once = async (a: { acquire: typeof adm.acquire }): Promise<number> => {
    const t = performance.now();
    const v = await a.acquire('acme/chat', Date.now(), 'both');
    const dt = performance.now() - t;
    if (!v.ok) throw new Error('refused');
    v.release();
    return dt;
  };
  for (let i = 0; i < 2_000; i += 1) await once(adm); // warm-up
  const ipc: number[] = [];
  for (let i = 0; i < N; i += 1) ipc.push(await once(adm));
  const inProcess: number[] = [];
  for (let i = 0; i < N; i += 1) inProcess.push(await once(local));
  const t0 = performance.now();
  let left = N;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (left > 0) {
        left -= 1;
        await once(adm);
      }
    }),
  );
  const perS = N / ((performance.now() - t0) / 1000);
  const us = (ms: number): number => Math.round(ms * 1000);
  process.stdout.write(
    `${JSON.stringify({
      admissions: N,
      ipcRoundTripUs: { p50: us(pct(ipc, 50)), p99: us(pct(ipc, 99)) },
      inProcessUs: { p50: us(pct(inProcess, 50)), p99: us(pct(inProcess, 99)) },
      ipcAdmissionsPerSecondAt32: Math.round(perS),
    })}\n`,
  );
  process.exit(0);
}

if (cluster.isPrimary) {
  const limits = new PrimaryLimits({ proxyId: 'bench', region: 'r', leaseIntervalMs: 1_000, store: null, now: Date.now, onLeaseError: () => undefined });
  const w = cluster.fork();
  w.on('message', (m: unknown) => void limits.handle(w, m));
  w.on('exit', (code) => process.exit(code ?? 1));
} else {
  void worker();
}
