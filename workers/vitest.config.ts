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
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: `${here}../wrangler.toml` },
      miniflare: {
        bindings: { FIXTURES_JSON: JSON.stringify(inject('fixtures')) },
      },
    })),
  ],
  test: {
    name: 'workers',
    include: ['**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
