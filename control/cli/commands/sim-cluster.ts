import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { resolveCliConfig, SIM_SETTINGS } from '../../sim-cluster/cli-config.ts';
import { startReplicas } from '../../sim-cluster/run-replicas.ts';
import { describeCommand } from '../command-index.ts';
import { logLevelArgument } from '../log-level-argument.ts';

interface SimFlags {
  readonly config?: string;
  readonly logLevel: string;
  readonly [key: string]: unknown;
}

const HELP: Record<string, string> = {
  clusterId: 'cluster id reported in x-sim-cluster and metrics (required)',
  replicaId: 'replica id; with --replicas N a trailing number counts up (r0, r1, …)',
  host: 'interface to listen on',
  port: 'port of the first replica (0 = random); replica i listens on port + i',
  model: 'model name served and reported',
  modelVersion: 'version reported on /v1/models (what rollouts move traffic between)',
  slots: 'concurrent generations per replica',
  queue: "requests that may wait for a slot before 429, or 'reject'",
  tokensPerSecond: 'generation rate per request',
  coldStartMs: 'delay paid by the first request after start or idle unload',
  gpuType: 'GPU type reported in metrics',
  defaultMaxTokens: 'tokens generated when a request gives no max_tokens (default 16)',
  idleUnloadMs: 'unload the model after this long idle (default never)',
  jobDurationMs: 'default /v1/jobs duration (default 10000)',
  jobHeartbeatMs: 'default /v1/jobs heartbeat interval (default 1000)',
  dieAfterTokens: 'tokens sent before dieMidStream cuts the socket (default 3)',
  kvBlocks: 'prefix-cache blocks each replica holds (default 4096)',
  kvBlockTokens: 'tokens per prefix-cache block (default 16)',
  prefillTokensPerSecond: 'prefill speed of uncached prompt tokens, one prefill at a time (default 50000)',
  metricNames: "whose metric names /metrics uses: 'vllm' (default) or 'sglang'",
  h2cMaxStreams: 'also serve cleartext HTTP/2 (h2c, prior knowledge) on the same port with this many concurrent streams per connection (default 0 = HTTP/1.1 only)',
  apiLoopMsPerRequest: "ms of API-server event-loop work each running request puts ahead of /health, /metrics and /v1/models, as in vLLM's and SGLang's one-loop servers (default 0)",
  replicas: 'number of replicas to start on consecutive ports',
};

/** `switchyard sim-cluster --cluster-id us-east-1 --port 9101 --replicas 2 …` */
export function register(program: Command): void {
  const cmd = program
    .command('sim-cluster')
    .description(describeCommand('sim-cluster'))
    .option('--config <file>', 'YAML file of settings (camelCase keys, e.g. "slots: 4"); flags and env override it')
    .option('--log-level <level>', 'pino level; debug logs every request', logLevelArgument, 'info');
  for (const s of SIM_SETTINGS) {
    const fallback = s.fallback === undefined ? '' : ` (default ${s.fallback})`;
    cmd.option(`${s.flag} <value>`, `${HELP[s.key] ?? s.key}${fallback}; env ${s.env}`);
  }
  cmd.action(async (flags: SimFlags) => {
    let file: { path: string; text: string } | null = null;
    if (flags.config !== undefined) {
      try {
        file = { path: flags.config, text: readFileSync(flags.config, 'utf8') };
      } catch (err) {
        throw new Error(`--config ${flags.config}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const resolved = resolveCliConfig({ flags, env: process.env, file });
    if (!resolved.ok) throw new Error(`sim-cluster: invalid settings:\n  ${resolved.errors.join('\n  ')}`);

    // JSON lines on stdout, written synchronously so nothing is lost on shutdown.
    const root = pino({ level: flags.logLevel, base: { service: 'sim-cluster' } }, pino.destination({ fd: 1, sync: true }));
    const running = await startReplicas(
      resolved.replicas.map((o) => ({ ...o, logger: root.child({ clusterId: o.clusterId, replicaId: o.replicaId }) })),
    );
    const stop = (signal: NodeJS.Signals): void => {
      root.info({ signal }, 'shutting down');
      running.close().then(
        () => root.info({}, 'stopped'),
        (err: unknown) => {
          root.warn({ err: String(err) }, 'shutdown failed');
          process.exitCode = 1;
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
