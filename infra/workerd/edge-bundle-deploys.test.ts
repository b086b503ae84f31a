/**
 * The CI check that the edge Worker would deploy: `wrangler deploy --dry-run` bundles it offline
 * (no Cloudflare account) and fails the build when it cannot; the bundle then starts under the
 * plain workerd binary with the generated config, and the checked-in reference config has not
 * drifted from wrangler.toml or the Worker's own env parser.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../control/dev/free-port.ts';
import { BUNDLE_FILE, buildEdge, workerdBinary, wranglerDryRun, type BuiltEdge } from './build-edge.ts';
import { SECRET_VARIABLES, readWranglerConfig, workerVariableNames } from './worker-env.ts';
import { renderWorkerdConfig } from './workerd-config.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
let dir = '';
let built: BuiltEdge;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-edge-build-'));
  built = await buildEdge(join(dir, 'edge'));
}, 60_000);
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('edge bundle (wrangler deploy --dry-run)', () => {
  it('bundles the Worker offline into one ES module', async () => {
    const bundle = await readFile(built.bundle, 'utf8');
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle).toMatch(/export\s*\{[^}]*default/);
  });

  it('fails the build for a Worker that would not deploy', async () => {
    await writeFile(join(dir, 'broken.ts'), "import { nothing } from './does-not-exist.ts';\nexport default { fetch: () => new Response(String(nothing)) };\n");
    await writeFile(join(dir, 'wrangler.toml'), 'name = "broken"\nmain = "broken.ts"\ncompatibility_date = "2026-04-21"\n');
    await expect(wranglerDryRun(join(dir, 'broken-out'), join(dir, 'wrangler.toml'))).rejects.toThrow(/does-not-exist/);
  }, 60_000);

  it('starts under the workerd binary and names the missing variables instead of defaulting them', async () => {
    const port = await freePort();
    const child = spawn(workerdBinary(), ['serve', built.config, '--socket-addr', `http=127.0.0.1:${port}`], {
      env: { PATH: process.env['PATH'] ?? '', EDGE_REFRESH_MS: '1000' },
      stdio: 'ignore',
    });
    try {
      let body = '';
      for (let i = 0; i < 100 && body === ''; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          expect(res.status).toBe(500);
          body = await res.text();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const invalid = (JSON.parse(body) as { error: { code: string; details: { invalid: string[] } } }).error;
      expect(invalid.code).toBe('bad-config');
      expect(invalid.details.invalid.sort()).toEqual(['LIBSQL_URL', 'TOKEN_SIGNING_KEY']);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});

describe('workerd config', () => {
  it('binds every variable the Worker reads, each from the environment (secrets included)', async () => {
    const config = await readFile(built.config, 'utf8');
    const bound = [...config.matchAll(/\(name = "([A-Z0-9_]+)", fromEnvironment = "\1"\)/g)].map((m) => m[1]);
    const read = await workerVariableNames();
    expect(bound.sort()).toEqual([...new Set([...read, ...Object.keys(built.vars)])].sort());
    for (const s of SECRET_VARIABLES) expect(read).toContain(s);
  });

  it('matches wrangler.toml: the same compatibility date and flags, vars known to the Worker', async () => {
    const w = await readWranglerConfig();
    const config = await readFile(built.config, 'utf8');
    expect(config).toContain(`compatibilityDate = "${w.compatibilityDate}"`);
    expect(config).toContain(`compatibilityFlags = [${w.compatibilityFlags.map((f) => JSON.stringify(f)).join(', ')}]`);
    const read = await workerVariableNames();
    expect(Object.keys(w.vars).filter((k) => !read.includes(k))).toEqual([]);
    expect(Object.keys(w.vars).filter((k) => (SECRET_VARIABLES as readonly string[]).includes(k))).toEqual([]);
  });

  it('the checked-in infra/workerd/edge.capnp is what the generator writes today (regenerate: switchyard edge --write-config infra/workerd/edge.capnp)', async () => {
    const w = await readWranglerConfig();
    const variables = [...new Set([...(await workerVariableNames()), ...Object.keys(w.vars)])].sort();
    const expected = renderWorkerdConfig({ ...w, variables, bundle: BUNDLE_FILE, address: '*:8787' });
    expect(await readFile(join(HERE, 'edge.capnp'), 'utf8')).toBe(expected);
  });

  it.each(['lower_case', 'X"; evil', ''])('refuses %j as a variable name', (name) => {
    expect(() => renderWorkerdConfig({ compatibilityDate: '2026-04-21', compatibilityFlags: [], variables: [name], bundle: 'index.js', address: '*:8787' })).toThrow(/not an environment variable name/);
  });
});
