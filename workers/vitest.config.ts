import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

// The Worker's tests run inside real workerd. Node-side fixtures (the local libSQL HTTP endpoint
// seeded by the real store code, a streaming "regional proxy") are started by globalSetup and
// handed to the tests through bindings.
export default defineProject({
  root: here,
  plugins: [
    cloudflareTest(({ inject }) => {
      const f = inject('fixtures');
      return {
        wrangler: { configPath: `${here}../wrangler.toml` },
        miniflare: {
          // Test defaults: short timings so refresh/flush scenarios finish quickly. Individual
          // tests override per request by passing their own env object.
          bindings: {
            FIXTURES_JSON: JSON.stringify(f),
            LIBSQL_URL: f.libsqlUrl,
            TOKEN_SIGNING_KEY: f.signingJwk,
            EDGE_OPERATOR_KEY: 'op-test-key-0123456789abcdef',
            EDGE_REFRESH_MS: '100',
            EDGE_STALE_SNAPSHOT_MS: '500',
            EDGE_DECISION_FLUSH_MS: '20',
            // Production's wait (wrangler.toml), named here so it is not an accident of the
            // default: a request on a snapshot older than EDGE_STALE_SNAPSHOT_MS waits this long
            // for a refresh. Only first-request-after-idle-is-fresh.test.ts depends on it and
            // sets its own (20000, 0); every other test passed with 0 and with 20000 here.
            EDGE_STALE_REFRESH_WAIT_MS: '250',
            EDGE_LOG_DECISIONS: 'off',
            // Seeded state is written once in globalSetup; on a loaded CI machine the suite can run
            // longer than the default 2 min hard stale limit, which would disqualify every cluster.
            ROUTE_STALE_SOFT: '30m',
            ROUTE_STALE_HARD: '1h',
          },
        },
      };
    }),
  ],
  test: {
    name: 'workers',
    include: ['**/*.test.ts'],
    globalSetup: ['./fixtures/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
