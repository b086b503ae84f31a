import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.ts';
import { hashApiKey } from './api-key-hash.ts';
import { type Applied, applyText } from './apply-fixture.ts';
import { runApply } from './run-apply.ts';

const dir = mkdtempSync(join(tmpdir(), 'apply-idem-'));
const dbUrl = `file:${join(dir, 'db.sqlite')}`;
const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const apply = (text: string, dryRun = false): Promise<Applied> => applyText(dir, dbUrl, text, dryRun);

describe('apply converges the database and is idempotent', () => {
  it('dry run where there is no database yet creates none and says so', async () => {
    // A dry run never migrates or creates: the store refuses the missing file (the CLI: exit 2).
    await expect(apply(demo, true)).rejects.toMatchObject({ name: 'StoreError', code: 'not-found' });
    expect(existsSync(join(dir, 'db.sqlite'))).toBe(false);
  });

  it('dry run on a fresh, unmigrated database lists nothing and fails loudly', async () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApply({ file: join(dir, 'config.yaml'), dbUrl: `file:${empty}`, dryRun: true, now: 1_000, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/schema-missing|no such table/);
  });

  it('first apply creates everything, second prints "no changes"', async () => {
    const first = await apply(demo);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out).toEqual([
      '+ project acme',
      '+ cluster us-east-1',
      '+ cluster eu-west-1',
      '+ cluster eu-central-1',
      '+ cluster ap-southeast-1',
      '+ app acme/chat',
      '+ app acme/eu-chat',
      '+ app acme/train',
      '+ api key acme-demo',
    ]);
    const second = await apply(demo);
    expect(second).toEqual({ code: 0, out: ['no changes'], err: [] });
  });

  it('stores the key hashed, never the plaintext', async () => {
    const store = openStore({ url: dbUrl });
    const rs = await store.client.execute('SELECT hash FROM api_keys');
    store.close();
    expect(rs.rows.map((r) => r['hash'])).toEqual([hashApiKey('sk-acme-demo-0123456789abcdef')]);
  });

  it('reports a field change precisely, dry run first', async () => {
    const changed = demo.replace('provider: coreweave', 'provider: crusoe').replace('maxConcurrency: 8 }', 'maxConcurrency: 16 }');
    const dry = await apply(changed, true);
    expect(dry.out).toEqual(['~ cluster us-east-1 (provider)', '~ app acme/train (limits)', 'dry run: 2 changes not applied']);
    expect((await apply(changed)).out).toEqual(['~ cluster us-east-1 (provider)', '~ app acme/train (limits)']);
    expect((await apply(changed)).out).toEqual(['no changes']);
    const store = openStore({ url: dbUrl });
    const rs = await store.client.execute("SELECT provider FROM clusters WHERE id = 'us-east-1'");
    store.close();
    expect(rs.rows[0]?.['provider']).toBe('crusoe');
  });

  // Dry run listed "+ api key acme-demo-2"; the write then failed on SQLite's UNIQUE(api_keys.hash)
  // with a hint to write "the referenced row first".
  it.each([true, false])('a stored key under a new id is refused by name, dry run %s, nothing changed', async (dryRun) => {
    const stored = async (): Promise<unknown[]> => {
      const store = openStore({ url: dbUrl });
      try {
        const rs = await store.client.execute("SELECT (SELECT name FROM projects WHERE id = 'acme') AS name, (SELECT group_concat(id) FROM api_keys) AS keys");
        return [rs.rows[0]?.['name'], rs.rows[0]?.['keys']];
      } finally {
        store.close();
      }
    };
    const before = await stored();
    const renamed = demo.replace('id: acme-demo', 'id: acme-demo-2').replace('name: Acme Inc.', 'name: Acme Renamed');
    const r = await apply(renamed, dryRun);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain("apiKeys: key 'acme-demo-2' is already stored as 'acme-demo'");
    expect(r.err.join('\n')).not.toMatch(/SQLITE|referenced row/);
    expect(await stored()).toEqual(before);
  });
});

