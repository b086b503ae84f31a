/**
 * `node dist/main.mjs dev`: the dev stack makes its own build of the CLI from inside the built
 * one, and that build must still find each module's files beside its source. It did not: the
 * build step's own text was rewritten by the first build, so the second rewrote nothing, the
 * dashboard looked for public/dashboard.js beside the bundle, and the stack failed to start.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, ROOT, type BuiltDist } from './build-dist.ts';

const BASE = 24_900;
const RUNNING = 'Switchyard is running.';

describe('the built CLI starts the dev stack', () => {
  let dist: BuiltDist;
  let stateDir: string;
  beforeAll(async () => {
    await mkdir(join(ROOT, '.switchyard'), { recursive: true });
    dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-test-')));
    stateDir = await mkdtemp(join(tmpdir(), 'built-dev-'));
  }, 60_000);
  afterAll(async () => {
    if (dist !== undefined) await rm(dist.outDir, { recursive: true, force: true });
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  it('runs every process, serves the dashboard its files, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [dist.entry, 'dev', '--workerd', '--port', String(BASE), '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    try {
      await Promise.race([
        new Promise<void>((resolve) => child.stdout.on('data', () => out.includes(RUNNING) && resolve())),
        exited.then(() => undefined),
      ]);
      expect(err).toBe('');
      expect(out).toContain(RUNNING);
      const dashboard = /dashboard \(operators\)\s+(http:\S+)\s+\(sign in with the operator key: (\w+)\)/.exec(out);
      expect(dashboard).not.toBeNull();
      const [, url, key] = dashboard ?? [];
      const res = await fetch(`${url}/assets/dashboard.js`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(1000);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toEqual([0, null]);
    expect(out).toContain('stopped.');
  }, 120_000);
});
