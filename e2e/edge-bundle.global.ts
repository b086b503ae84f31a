/**
 * globalSetup of the `e2e` project: builds the edge bundle (`wrangler deploy --dry-run`) once
 * for every stack of the run instead of once per stack; like a per-stack build it is frozen at
 * the run's start, so edits in the checkout during the run never restart an edge.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { wranglerDryRun } from '../infra/workerd/build-edge.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    edgeBundleDir: string | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-e2e-edge-'));
  await wranglerDryRun(dir);
  project.provide('edgeBundleDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
