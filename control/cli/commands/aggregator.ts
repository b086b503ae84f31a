import type { Command } from 'commander';
import { pino } from 'pino';
import { loadAggregatorConfig } from '../../aggregator/load-aggregator-config.ts';
import type { ClusterView } from '../../aggregator/kubernetes-view.ts';
import { startAggregator } from '../../aggregator/start-aggregator.ts';
import type { AggregatorFlags } from '../../aggregator/flags-to-config.ts';
import { formatIssue } from '../../config/config-issue.ts';
import { resolveDb, withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openResolvedDb } from '../../config/open-db.ts';
import { errorLine } from '../error-line.ts';
import { describeCommand } from '../command-index.ts';
import { logLevelArgument } from '../log-level-argument.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `switchyard aggregator --config agg.yaml | flags`: one per cluster, JSON-line logs, stops cleanly on SIGINT/SIGTERM. */
export function register(program: Command): void {
  withDbFlags(
    program
      .command('aggregator')
      .description(describeCommand('aggregator'))
      .option('-c, --config <file>', 'aggregator YAML (see examples/aggregator.yaml); flags override its fields')
      .option('--cluster-id <id>', 'the cluster this aggregator reports (as in the config applied with `switchyard apply`)')
      .option('--region <region>', 'a known region, e.g. eu-west')
      .option('--provider <name>', 'cloud or GPU provider shown in status and the dashboard, e.g. coreweave')
      .option('--proxy-url <url>', 'base URL of the regional proxy fronting this cluster (with --proxy-id; both left out: keep the proxy `switchyard apply` registered)')
      .option('--proxy-id <id>', 'id of that proxy (token audience)')
      .option('--gpu <type=price>', 'GPU type and price per hour, repeatable', collect)
      .option('--prices-file <file>', 'JSON/YAML {type: price} re-read every interval (spot prices)')
      .option('--app <app=urls>', 'acme/chat=http://127.0.0.1:9001,http://127.0.0.1:9002, repeatable', collect)
      .option('--slots <n>', 'slots per replica for --app apps')
      .option('--gpu-type <type>', 'GPU type of --app apps')
      .option('--warm <slots>', 'warm headroom (slots)')
      .option('--cold <slots>', 'cold headroom (slots)')
      .option('--interval <ms>', 'tick interval (default 1000)')
      .option('--scrape-timeout <ms>', 'per-replica scrape deadline (default 500)')
      .option('--log-level <level>', 'pino level', logLevelArgument, 'info'),
  ).action(async (opts: AggregatorFlags & DbFlags & { config?: string; logLevel: string }) => {
    const loaded = await loadAggregatorConfig(opts.config ?? null, opts);
    if (!loaded.ok) {
      for (const issue of loaded.issues) process.stderr.write(errorLine(formatIssue(issue)));
      process.stderr.write(errorLine('aggregator not started: fix the config above'));
      process.exitCode = 1;
      return;
    }
    const config = loaded.config;
    // The one source of `cluster` on this process's lines (startAggregator adds none): pino writes a
    // key bound here and again in a call twice, and some log pipelines reject the line.
    const logger = pino({ level: opts.logLevel, base: { component: 'aggregator', cluster: config.cluster.id } });
    // The config file's `db` sits under --db and LIBSQL_URL, over the default.
    const store = openResolvedDb(resolveDb(opts, process.env, config.db));
    // Apps with a `kubernetes` block are read from the cluster's API (in-cluster service account);
    // the client is loaded only then, so other commands do not pay for it.
    let clusterView: (() => Promise<ClusterView>) | undefined;
    if (config.apps.some((a) => a.kubernetes)) {
      const { kubernetesReader, readClusterView } = await import('../../aggregator/kubernetes-view.ts');
      const reader = kubernetesReader();
      clusterView = () => readClusterView(reader, config.apps);
    }
    const aggregator = startAggregator(config, { client: store.client, logger, ...(clusterView === undefined ? {} : { clusterView }) });
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string): void => {
        logger.info({ signal }, 'shutting down');
        aggregator
          .stop()
          .catch((err: unknown) => logger.error({ err: String(err) }, 'stop failed'))
          .finally(() => {
            store.close();
            resolve();
          });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
  });
}
