/**
 * One file per tenant or app: `apply` resolves a file's references (a key's or app's project, an
 * app's clusters) against what the file declares and what the database already holds, in the dry
 * run too. Before, a key file for a stored project failed with "refers to undeclared project
 * 'acme'", and an app file naming stored clusters with "refers to undeclared cluster". A
 * reference to a row in neither is refused naming file:line, with nothing written. Real libSQL.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.ts';
import { applyDatabase, applyText } from './apply-fixture.ts';
import { runApply } from './run-apply.ts';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
const { dir, dbUrl, apply } = applyDatabase('apply-refs-');
const NEITHER = 'which is neither declared in this file nor stored in the database';

async function dump(): Promise<string> {
  const store = openStore({ url: dbUrl });
  try {
    const parts: unknown[] = [];
    for (const t of ['projects', 'api_keys', 'clusters', 'apps', 'app_clusters']) parts.push((await store.client.execute(`SELECT * FROM ${t} ORDER BY 1, 2`)).rows);
    return JSON.stringify(parts);
  } finally {
    store.close();
  }
}

// The demo (project acme, four clusters) stored first, as another file would have.
beforeAll(async () => {
  await apply(demo);
});

const keyFile = 'apiKeys:\n  - id: acme-2\n    project: acme\n    key: sk-acme-second-0123456789abcdef\n';
const appFile = 'apps:\n  - project: acme\n    name: batch\n    clusters: [eu-west-1, eu-central-1]\n    residency: eu-only\n';

describe('apply: a partial file refers to stored rows', () => {
  it.each([
    ['a key for a stored project', keyFile, '+ api key acme-2'],
    ['an app on a stored project and stored clusters', appFile, '+ app acme/batch'],
  ])('%s: dry run, apply, then no changes', async (_name, text, change) => {
    expect(await applyText(dir, dbUrl, text, true)).toEqual({ code: 0, out: [change, 'dry run: 1 change not applied'], err: [] });
    expect(await apply(text)).toEqual([change]);
    expect(await apply(text)).toEqual(['no changes']);
  });

  it.each([
    ['a key for a project in neither', keyFile.replace('project: acme', 'project: globex').replace('acme-2', 'globex-1'), `config.yaml:3: apiKeys[0].project: API key refers to project 'globex', ${NEITHER}`],
    ['an app on a project in neither', appFile.replace('project: acme', 'project: globex'), `config.yaml:2: apps[0].project: app refers to project 'globex', ${NEITHER}`],
    ['an app on a cluster in neither', appFile.replace('eu-central-1]', 'eu-north-9]'), `config.yaml:4: apps[0].clusters[1]: app 'acme/batch' refers to cluster 'eu-north-9', ${NEITHER}`],
    ['a residency that excludes every stored cluster', appFile.replace('[eu-west-1, eu-central-1]', '[us-east-1]'), "config.yaml:5: apps[0].residency: residency excludes every cluster app 'acme/batch' is deployed to"],
  ])('%s is refused naming file:line, dry run and apply, nothing written', async (_name, text, message) => {
    const before = await dump();
    for (const dryRun of [true, false]) {
      const r = await applyText(dir, dbUrl, text, dryRun);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err[0]).toContain(`${join(dir, message)}`);
      expect(r.err.at(-1)).toBe(`1 error in ${join(dir, 'config.yaml')}; nothing was changed`);
    }
    expect(await dump()).toBe(before);
  });

  // A file with its own problem and an unresolved reference: both in one run (the reference was
  // reported only once the file's own problem had been fixed and apply run again).
  it('a file with its own error and a reference in neither gets both in one run', async () => {
    const text = appFile.replace('eu-central-1]', 'eu-north-9]').replace('residency: eu-only', 'residency: eu-onyl');
    const before = await dump();
    const r = await applyText(dir, dbUrl, text, false);
    expect(r.code).toBe(1);
    expect(r.err.some((l) => l.includes("apps[0].residency"))).toBe(true);
    expect(r.err).toContain(join(dir, `config.yaml:4: apps[0].clusters[1]: app 'acme/batch' refers to cluster 'eu-north-9', ${NEITHER} (declare it under 'clusters:', or apply the file that declares it first)`));
    expect(r.err.at(-1)).toBe(`2 errors in ${join(dir, 'config.yaml')}; nothing was changed`);
    expect(await dump()).toBe(before);
  });

  it('a database that cannot be read leaves the file\'s own errors and says the references went unchecked', async () => {
    const text = appFile.replace('eu-central-1]', 'eu-north-9]').replace('residency: eu-only', 'residency: eu-onyl');
    const file = join(dir, 'config.yaml');
    writeFileSync(file, text);
    const err: string[] = [];
    const code = await runApply({ file, dbUrl: `file:${join(dir, 'no-such.sqlite')}`, dryRun: false, now: 1_000, out: () => undefined, err: (l) => err.push(l) });
    expect(code).toBe(1);
    expect(err.filter((l) => l.includes('eu-north-9'))).toEqual([]);
    expect(err.at(-2)).toMatch(/^\(references to rows this file does not declare were not checked: .+\)$/);
    expect(err.at(-1)).toBe(`1 error in ${file}; nothing was changed`);
    expect(existsSync(join(dir, 'no-such.sqlite'))).toBe(false);
  });

  // The rule (control/config/README.md): a row the file declares is the whole row, omitted fields
  // take their defaults. Referring no longer needs restating, and the dry run names what resets.
  it('restating a stored project with fewer fields resets them, and the dry run says which', async () => {
    const restated = 'projects:\n  - id: acme\n';
    expect((await applyText(dir, dbUrl, restated, true)).out).toEqual(['~ project acme (name)', 'dry run: 1 change not applied']);
  });
});
