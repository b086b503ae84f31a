import { defineConfig } from 'vitest/config';
import { PROXY_WORKER_SUITES } from './proxy/test/proxy-worker-suites.ts';

// Five projects: plain Node tests everywhere; the proxy's socket-level scenarios again with the
// proxy in worker processes; the Worker's tests inside real workerd
// (workers/vitest.config.ts, @cloudflare/vitest-pool-workers); and end-to-end tests that each
// start the whole local system (`e2e/`), one file at a time so their stacks never compete (the
// files of `e2e-shared` share one stack).
/**
 * End-to-end files that share one stack (e2e/shared-stack.global.ts): they only send traffic
 * and read their own decisions. A file that kills, drains, reconfigures, loads or needs other
 * options than the defaults starts its own (`useStack`).
 */
const SHARED_STACK_FILES = [
  'e2e/app-calls-app-in-region-with-service-key.test.ts',
  'e2e/async-job-submitted-at-the-edge-is-polled-at-its-location.test.ts',
  'e2e/dev-stack-libsql-needs-its-token.test.ts',
  'e2e/long-job-held-through-refreshes.test.ts',
  'e2e/openai-sdk-through-edge.test.ts',
  'e2e/residency-eu-only.test.ts',
  'e2e/websocket-token-then-proxy.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'workers/**', 'e2e/**', '.wrangler/**'],
          // The `switchyard` processes its files start (proxies, libSQL servers, aggregators) run
          // from one build of the CLI per run, not each through tsx (control/build/test-cli-command.ts).
          globalSetup: ['control/build/built-cli.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      './workers/vitest.config.ts',
      {
        // The proxy's socket-level scenario files again, against a primary and two worker
        // processes: how `switchyard proxy` runs by default (proxy/test/proxy-worker-suites.ts).
        test: {
          name: 'proxy-workers',
          environment: 'node',
          include: PROXY_WORKER_SUITES,
          env: { SY_TEST_PROXY_WORKERS: '2' },
          // Their proxies run from the built CLI, as the images and systemd units run them (the
          // node project's build when both run).
          globalSetup: ['control/build/built-cli.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          exclude: SHARED_STACK_FILES,
          globalSetup: ['e2e/edge-bundle.global.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e-shared',
          environment: 'node',
          include: SHARED_STACK_FILES,
          // Run it by itself (`vitest run --project e2e-shared`, as package.json does): vitest runs
          // every selected project's globalSetup before any file, so beside the e2e project this
          // stack would idle through every other file's run and load the machine under them.
          globalSetup: ['e2e/shared-stack.global.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
