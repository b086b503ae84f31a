/**
 * Child process of bench/replica-choice.ts: starts N simulated replicas with the benchmark's
 * prefix-cache settings and prints `{"urls":[…]}`; SIGTERM stops them.
 */
import { startReplicas } from '../../control/sim-cluster/run-replicas.ts';

const n = Number(process.argv[2] ?? 4);
const settings = JSON.parse(process.argv[3] ?? '{}') as Record<string, number>;
const running = await startReplicas(
  Array.from({ length: n }, (_, i) => ({
    clusterId: 'c1',
    replicaId: `r${i}`,
    port: 0,
    model: 'bench-llm',
    slots: settings['slots'] ?? 8,
    queue: 1024,
    tokensPerSecond: settings['tokensPerSecond'] ?? 200,
    coldStartMs: 0,
    gpuType: 'H100',
    kvBlocks: settings['kvBlocks'] ?? 600,
    kvBlockTokens: 16,
    prefillTokensPerSecond: settings['prefillTokensPerSecond'] ?? 8000,
  })),
);
process.stdout.write(`${JSON.stringify({ urls: running.replicas.map((r) => r.url) })}\n`);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
