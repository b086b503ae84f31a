import { defineConfig } from 'vitest/config';

// Three projects: plain Node tests everywhere; the Worker's tests inside real workerd
// (workers/vitest.config.ts, @cloudflare/vitest-pool-workers); and end-to-end tests that each
// start the whole local system (`e2e/`), one file at a time so their stacks never compete.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'workers/**', 'e2e/**', '.wrangler/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      './workers/vitest.config.ts',
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
