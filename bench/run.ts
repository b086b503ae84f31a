/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all by default) one after another,
 * each in its own process so one cannot skew another's memory or JIT state. Results
 * worth keeping go into BENCHMARKS.md with the command that produced them.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES: Record<string, readonly string[]> = {
  decision: ['bench/decision.ts'],
  worker: ['bench/worker.ts'],
  'push-to-visible': ['bench/push-to-visible.ts'],
  // One app's whole snapshot read on a week-50-clusters fleet, with and without the tenants statement.
  'snapshot-load': ['bench/snapshot-load.ts'],
  // µs per outcome row written, with and without the database's inflow_seconds triggers (migration 22).
  'outcome-write': ['bench/outcome-write-cost.ts'],
  replay: ['backtest/bench/replay-throughput.ts', '100000'],
  // A budgeted body parsed in place vs on the proxy's parse thread: request latency and event-loop time, 16 KiB-8 MiB.
  'body-parse-thread': ['bench/body-parse-thread.ts'],
  // A ~9 KB chat body through the proxy with and without its project's prompt-cache salt (~1 minute).
  'prompt-cache-salt': ['bench/prompt-cache-salt.ts'],
  // Shared-prefix workload through one proxy to 4 simulated replicas, 5 strategies (~2 minutes).
  'replica-choice': ['bench/replica-choice.ts'],
  // 1,000 streams through one proxy, a replica SIGKILLed every minute, for 5 minutes (issue 14).
  'stream-soak': ['bench/stream-soak.ts'],
  // Needs Debian's chromium (see .ci/run).
  dashboard: ['bench/dashboard.ts'],
  // Installs nginx and HAProxy with apt-get when missing; the slowest, so last.
  proxy: ['bench/proxy.ts'],
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}

const tsx = createRequire(import.meta.url).resolve('tsx/cli');
let failed = 0;
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const args = BENCHES[name] ?? [];
  process.stdout.write(`\n=== ${name}: npx tsx ${args.join(' ')} ===\n`);
  const r = spawnSync(process.execPath, [tsx, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    process.stderr.write(`${name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
