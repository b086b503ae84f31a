/**
 * Global setup of the `node` and `proxy-workers` projects: builds the CLI once per vitest run
 * (`npm run build`'s code, into a scratch directory removed at the end) so every `switchyard`
 * process a test starts runs from it (test-cli-command.ts), as production runs it, on ~1-2 s less
 * CPU per process than through tsx. Both projects list this file; whichever runs first builds and
 * the other finds the entry already set (so does a run given SY_TEST_BUILT_CLI from outside).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDist, ROOT } from './build-dist.ts';
import { BUILT_CLI_ENV } from './test-cli-command.ts';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const given = process.env[BUILT_CLI_ENV];
  if (given !== undefined && given !== '') return undefined;
  await mkdir(join(ROOT, '.switchyard'), { recursive: true });
  const dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-tests-')));
  process.env[BUILT_CLI_ENV] = dist.entry;
  return async () => {
    await rm(dist.outDir, { recursive: true, force: true });
    delete process.env[BUILT_CLI_ENV];
  };
}
