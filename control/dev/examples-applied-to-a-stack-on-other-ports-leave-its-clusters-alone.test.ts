/**
 * examples/routes.yaml restated the demo's project and clusters with the default stack's proxy
 * URLs (8798/8799). On a stack started with `dev --port 18400`, its state dir's demo.yaml names
 * proxies on 18411/18412, and applying the example as documented repointed us-east-1 and
 * eu-west-1 at ports nothing listened on: every app routed there failed (new-user walkthrough,
 * session 47; N8 was the same for examples/demo.yaml). The example now refers to the stored
 * project and clusters instead (control/config/README.md, "references"), so it adds its app to a
 * demo stack on any ports and changes nothing else.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { applyDatabase, applyText } from '../config/apply-fixture.ts';
import { demoConfig } from './start-dev-stack.ts';
import { devTopology } from './topology.ts';

const example = (name: string): string => readFileSync(fileURLToPath(new URL(`../../examples/${name}`, import.meta.url)), 'utf8');
const db = applyDatabase('switchyard-examples-other-ports-');

test('examples/routes.yaml on a demo stack started on other ports only adds its app', async () => {
  await db.apply(await demoConfig(devTopology({ basePort: 18_400 })));
  const dry = await applyText(db.dir, db.dbUrl, example('routes.yaml'), true);
  expect(dry.err).toEqual([]);
  expect(dry.out.filter((l) => !l.startsWith('dry run'))).toEqual(['+ app acme/assistant']);
});
