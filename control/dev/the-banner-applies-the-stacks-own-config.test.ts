/**
 * The banner says how to change the running stack's config: edit and apply the state dir's
 * demo.yaml, whose proxy URLs are this stack's ports. A newcomer on `dev --port 18800` who applied
 * examples/demo.yaml (the default ports, 8798/8799) repointed every cluster at nothing and routing
 * broke until the right file was applied (new-user finding N8).
 */
import { expect, test } from 'vitest';
import { banner } from './banner.ts';
import { demoConfig, type DevStack } from './start-dev-stack.ts';
import { devTopology } from './topology.ts';

test("the banner's apply command names the state dir's demo.yaml, which has this stack's proxy ports", async () => {
  const topology = devTopology({ basePort: 18_800 });
  const stack = {
    topology, edgeUrl: 'http://127.0.0.1:18800', libsqlUrl: 'http://127.0.0.1:18801', dashboardUrl: 'http://127.0.0.1:18802',
    libsqlAuthToken: 'tok', apiKey: 'sk', operatorKey: 'op', stateDir: '/state', otlpUrl: null,
  } as unknown as DevStack;
  expect(banner(stack)).toContain('LIBSQL_AUTH_TOKEN=tok npx switchyard apply -f /state/demo.yaml --db http://127.0.0.1:18801');
  const config = await demoConfig(topology);
  for (const p of topology.proxies) expect(config).toContain(`proxyUrl: ${p.url}`);
  expect(config).not.toMatch(/:879[89]\b/);
});
