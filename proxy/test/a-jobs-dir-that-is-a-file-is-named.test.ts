/**
 * `PROXY_JOBS_DIR` naming a file stops the start with the setting named, as the TLS, JWKS and
 * endpoints files are: it said only Node's `EEXIST: file already exists, mkdir '…'`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { testJobs, useJobTarget } from './async-jobs-fixture.ts';

const target = useJobTarget((_req, res) => res.end());

it('a jobs dir that is a file is named with its setting', async () => {
  const file = join(target.db.dir, 'not-a-dir');
  await writeFile(file, 'x');
  const jobs = testJobs(target, libsqlJobStore(target.db.client), file);
  try {
    await expect(jobs.start(target.url(), false)).rejects.toThrow(`jobsDir (PROXY_JOBS_DIR) ${file}: cannot make the job results directory: it is a file, not a directory`);
  } finally {
    jobs.stop();
  }
});
