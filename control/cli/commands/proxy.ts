/**
 * `switchyard proxy`: run a regional proxy. Flags override env (PROXY_*, LIBSQL_URL /
 * LIBSQL_AUTH_TOKEN or their aliases SWITCHYARD_DB_*) which override `--config <file>`; see
 * proxy/src/config.ts and shared/env/db-env.ts.
 */
import type { Command } from 'commander';
import { serveProxy } from '../../../proxy/src/server.ts';
import { describeCommand } from '../command-index.ts';

export function register(program: Command): void {
  program
    .command('proxy')
    .description(describeCommand('proxy'))
    .option('--config <file>', 'YAML/JSON config file (camelCase keys of ProxyConfig)')
    .option('--id <id>', 'proxy id (token audience), env PROXY_ID')
    .option('--region <region>', 'region, env PROXY_REGION')
    .option('--host <host>', 'listen host, env PROXY_HOST')
    .option('--port <port>', 'listen port, env PROXY_PORT')
    .option('--public-url <url>', 'URL clients reach this proxy at, env PROXY_PUBLIC_URL')
    .option('--admin-host <host>', 'admin listener (metrics, health) host, env PROXY_ADMIN_HOST (default 127.0.0.1)')
    .option('--admin-port <port>', 'admin listener port, env PROXY_ADMIN_PORT (default: a free port)')
    .option('--db <url>', 'libSQL URL, env LIBSQL_URL (older alias SWITCHYARD_DB_URL); token from env LIBSQL_AUTH_TOKEN')
    .option('--jwks-file <file>', 'public keys (JWKS), env PROXY_JWKS_FILE')
    .option(
      '--token-issuer <iss>',
      "token issuer to trust (the edge's EDGE_TOKEN_ISSUER), env PROXY_TOKEN_ISSUER (default switchyard-edge)",
    )
    .option(
      '--endpoints-file <file>',
      'static endpoints instead of the store\'s (libSQL, if set, still takes reports), env PROXY_ENDPOINTS_FILE',
    )
    .option('--auth-disabled', 'accept requests without a routing token (development only)')
    .option(
      '--workers <n>',
      'proxy processes sharing the port (node:cluster): a count or auto = one per core this process may use (a container CPU limit counts), env PROXY_WORKERS (default auto; per-app limits are counted by the primary, proxy/README.md)',
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const flags: Record<string, unknown> = {};
      const map: Record<string, string> = {
        id: 'id',
        region: 'region',
        host: 'host',
        port: 'port',
        publicUrl: 'publicUrl',
        adminHost: 'adminHost',
        adminPort: 'adminPort',
        db: 'storeUrl',
        jwksFile: 'jwksFile',
        tokenIssuer: 'tokenIssuer',
        endpointsFile: 'endpointsFile',
        authDisabled: 'authDisabled',
        workers: 'workers',
      };
      for (const [opt, field] of Object.entries(map))
        if (opts[opt] !== undefined) flags[field] = opts[opt];
      await serveProxy({
        env: process.env,
        flags,
        // One worker per core unless the file, env or a flag says otherwise (the dev stack says 1).
        defaults: { workers: 'auto' },
        ...(typeof opts['config'] === 'string' ? { configFile: opts['config'] } : {}),
      });
      // The listening server keeps the process alive; SIGTERM drains and exits 0.
    });
}
