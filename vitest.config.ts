import { defineConfig } from 'vitest/config';

// Two projects: plain Node tests everywhere, and the Worker's tests inside real workerd
// (workers/vitest.config.ts, @cloudflare/vitest-pool-workers).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'workers/**', '.wrangler/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
