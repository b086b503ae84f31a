/**
 * Test entry: `serveProxy` over a config file (argv[2]) and the environment, as `switchyard proxy
 * --config <file>` runs it, without loading the whole CLI. With `PROXY_WORKERS` > 1 it becomes the
 * cluster primary and node:cluster re-runs this file (same argv) in every worker.
 */
import { serveProxy } from '../src/server.ts';

const configFile = process.argv[2];
serveProxy({ env: process.env, ...(configFile === undefined ? {} : { configFile }) }).catch((err: unknown) => {
  process.stderr.write(`switchyard proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
