/**
 * examples/README.md: applying an example to the running demo stack "keeps it working". Applying
 * examples/routes.yaml after demo.yaml renamed project acme ("Acme Inc." → "acme"): it restated
 * the project without its name, and a declared row is the whole row (control/config/README.md).
 * An example may add rows to the demo stack; it must not change the demo's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { applyDatabase, applyText } from './apply-fixture.ts';

const example = (name: string): string => readFileSync(fileURLToPath(new URL(`../../examples/${name}`, import.meta.url)), 'utf8');
const db = applyDatabase('switchyard-examples-');

test('examples/routes.yaml on the demo stack only adds its app', async () => {
  await db.apply(example('demo.yaml'));
  const dry = await applyText(db.dir, db.dbUrl, example('routes.yaml'), true);
  expect(dry.err).toEqual([]);
  expect(dry.out.filter((l) => !l.startsWith('dry run'))).toEqual(['+ app acme/assistant']);
});
