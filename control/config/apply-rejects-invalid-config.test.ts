import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.ts';
import { runApply } from './run-apply.ts';

const dir = mkdtempSync(join(tmpdir(), 'apply-invalid-'));
const dbUrl = `file:${join(dir, 'db.sqlite')}`;
const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function apply(text: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApply({ file, dbUrl, dryRun: false, now: 2_000, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function dump(): Promise<string> {
  const store = openStore({ url: dbUrl });
  const parts: unknown[] = [];
  for (const t of ['projects', 'api_keys', 'clusters', 'apps', 'app_clusters']) parts.push((await store.client.execute(`SELECT * FROM ${t} ORDER BY 1, 2`)).rows);
  store.close();
  return JSON.stringify(parts);
}

// The demo applied first, so "changes nothing" is checked against a non-empty database.
beforeAll(async () => {
  expect((await apply(demo)).code).toBe(0);
});

describe('apply refuses an invalid config and changes nothing', () => {
  it.each([
    [
      'unknown region',
      demo.replace('provider: coreweave', 'provider: crusoe').replace('region: eu-central', 'region: eu-centrall'),
      [/config\.yaml:26: clusters\[2\]\.region: unknown region 'eu-centrall'/],
    ],
    [
      'duplicate app',
      `${demo}\n  - project: acme\n    name: chat\n    clusters: [us-east-1]\n`,
      [/config\.yaml:\d+: apps\[3\]\.name: duplicate app 'acme\/chat'/],
    ],
    ['malformed key', demo.replace('key: sk-acme-demo-0123456789abcdef', 'key: "sk acme"'), [/config\.yaml:12: apiKeys\[0\]\.key: malformed API key/]],
    [
      'all three at once',
      demo.replace('region: eu-central', 'region: mars').replace('key: sk-acme-demo-0123456789abcdef', 'key: short').replace('name: eu-chat', 'name: chat'),
      [/clusters\[2\]\.region: unknown region 'mars'/, /apps\[1\]\.name: duplicate app 'acme\/chat'/, /apiKeys\[0\]\.key: malformed API key/],
    ],
  ])('%s', async (_name, text, messages) => {
    const before = await dump();
    const r = await apply(text);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    for (const m of messages) expect(r.err.join('\n')).toMatch(m);
    expect(r.err.at(-1)).toMatch(/nothing was changed$/);
    expect(await dump()).toBe(before);
  });
});
