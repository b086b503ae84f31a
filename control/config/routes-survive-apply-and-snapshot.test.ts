import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { openStore } from '../store/open-store.ts';
import { parseConfig } from './parse-config.ts';
import { NOT_READ_YET } from './stored-rows.ts';
import { type Applied, applyText } from './apply-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'apply-routes-'));
const dbUrl = `file:${join(dir, 'db.sqlite')}`;
const example = readFileSync(new URL('../../examples/routes.yaml', import.meta.url), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const apply = (text: string): Promise<Applied> => applyText(dir, dbUrl, text);
// The example refers to the demo's project and clusters: they are stored first, as on the demo stack.
beforeAll(async () => {
  const demo = await apply(readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8'));
  expect(demo.err).toEqual([]);
});

describe('routes go through libSQL into the app snapshot', () => {
  it('apply stores examples/routes.yaml; the snapshot holds the same routes; a second apply changes nothing', async () => {
    const first = await apply(example);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    const parsed = parseConfig(example, 'routes.yaml', NOT_READ_YET);
    if (!parsed.valid) throw new Error('example must be valid');
    const store = openStore({ url: dbUrl });
    try {
      const snap = await loadAppSnapshot(store.client as never, 'acme/assistant', 2_000);
      expect(snap?.app.routes).toEqual(parsed.config.apps[0]?.routes);
      expect(snap?.app.routes?.routes.map((r) => r.name)).toEqual(['code-by-model', 'code', 'summarise', 'chat']);
    } finally {
      store.close();
    }
    const second = await apply(example);
    expect(second.out.join('\n')).toMatch(/no changes/);
  });

  it('removing the routes from the config removes them from the snapshot (the app is as before)', async () => {
    const without = example.replace(/ {4}routes:[\s\S]*$/, '');
    const r = await apply(without);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/~ app acme\/assistant \(routes\)/);
    const store = openStore({ url: dbUrl });
    try {
      const snap = await loadAppSnapshot(store.client as never, 'acme/assistant', 2_000);
      expect(snap?.app.routes).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('a bad route is reported with its line, nothing is written', async () => {
    const bad = example.replace("when: { intent: summarise }", "when: { intent: summarize, regex: ['('] }");
    const r = await apply(bad);
    expect(r.code).not.toBe(0);
    const text = r.err.join('\n');
    expect(text).toMatch(/:\d+: apps\[0\]\.routes\[2\]\.when\.intent: must name one of the app.s intents/);
    expect(text).toMatch(/regular expression/);
  });
});
