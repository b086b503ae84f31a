/**
 * How `switchyard dev` runs the edge under wrangler's local dev server: through wrangler's
 * programmatic API (`unstable_startWorker`), not the `wrangler dev` command, because only the API
 * can turn the devtools inspector off. With it on, wrangler's inspector proxy sends every message
 * of the Worker's runtime inspector (a Network event per chunk of every streamed subrequest
 * included) to wrangler's Node process as a separate request on a new connection: 40 token
 * streams through the edge held ~10,000 sockets within 10 s, the 20,000 open-file limit ran out,
 * requests hung or got wrangler's 503, and the edge log grew by 700 MB of "Too many open files"
 * in 5 minutes. Nothing here needs the inspector: the Worker's `console.log` reaches the log
 * through workerd's output either way.
 *
 * The log level is `log`: wrangler prints a Worker's `console.log` — every line the edge writes
 * (decisions, `request refused`, `no snapshot`, even `unexpected edge failure`) — only at that
 * level or finer. Under `warn` the edge's log in the state dir held wrangler's own warnings and
 * nothing the Worker said, though the READMEs send operators there for a refusal's cause.
 * Wrangler's request lines at this level name method, path and status only: no query string, no
 * header.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface WranglerDevOptions {
  readonly configFile: string;
  /** A prebuilt bundle to serve as is (`frozenEdge`), else the sources `configFile` names. */
  readonly bundle: string | null;
  readonly port: number;
  readonly envFile: string;
  readonly persistTo: string;
}

export const WRANGLER_DEV_ENV: Readonly<Record<string, string>> = { WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

/**
 * The child's program (CommonJS, `node -e`): start the Worker, stop it on SIGTERM/SIGINT, and
 * exit 1 naming the cause when it cannot start (the supervisor shows the log's last lines).
 */
const LAUNCH = `
const [wrangler, json] = process.argv.slice(1);
const o = JSON.parse(json);
require(wrangler).unstable_startWorker({
  config: o.configFile,
  ...(o.bundle === null ? {} : { entrypoint: o.bundle }),
  envFiles: [o.envFile],
  dev: { inspector: false, remote: false, watch: o.bundle === null, logLevel: 'log', persist: o.persistTo, server: { hostname: '127.0.0.1', port: o.port } },
}).then(async (worker) => {
  await worker.ready;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5000).unref();
    worker.dispose().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}, (err) => {
  console.error('the edge could not start under wrangler: ' + (err && err.stack ? err.stack : String(err)));
  process.exit(1);
});
`;

/** Arguments for `process.execPath`. */
export function wranglerDevArgs(o: WranglerDevOptions): string[] {
  return ['-e', LAUNCH, '--', require.resolve('wrangler'), JSON.stringify(o)];
}
