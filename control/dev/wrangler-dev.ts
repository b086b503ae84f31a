/**
 * How `switchyard dev` runs the edge under `wrangler dev`. The log level is `log`: wrangler prints
 * a Worker's `console.log` — every line the edge writes (decisions, `request refused`, `no
 * snapshot`, even `unexpected edge failure`) — only at that level or finer. Under `warn` the
 * edge's log in the state dir held wrangler's own warnings and nothing the Worker said, though
 * the READMEs send operators there for a refusal's cause. Wrangler's request lines at this level
 * name method, path and status only: no query string, no header.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface WranglerDevOptions {
  readonly configFile: string;
  /** A prebuilt bundle to serve as is (`frozenEdge`), else the sources `configFile` names. */
  readonly bundle: string | null;
  readonly port: number;
  readonly inspectorPort: number;
  readonly envFile: string;
  readonly persistTo: string;
}

export const WRANGLER_DEV_ENV: Readonly<Record<string, string>> = { WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

/** Arguments for `process.execPath`. */
export function wranglerDevArgs(o: WranglerDevOptions): string[] {
  return [
    require.resolve('wrangler/bin/wrangler.js'),
    'dev',
    ...(o.bundle === null ? [] : [o.bundle]),
    '--config', o.configFile,
    '--ip', '127.0.0.1',
    '--port', String(o.port),
    '--inspector-port', String(o.inspectorPort),
    '--env-file', o.envFile,
    '--persist-to', o.persistTo,
    '--show-interactive-dev-session=false',
    '--log-level', 'log',
  ];
}
