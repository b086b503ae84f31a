/**
 * The regional proxy's async-job routes (proxy/src/async-job-routes.ts): `/_switchyard/jobs/<id>`
 * (status, cancel) and `…/result`, on the proxy that took the job. The id (`job_` + 128 random
 * bits in hex) is the capability to read or cancel it. The edge reads the same paths to make a
 * job's URLs absolute at that proxy (workers/src/job-location.ts).
 */
export const JOBS_PREFIX = '/_switchyard/jobs/';

/** A job route: group 1 the id, group 2 `/result` when it is the result's. */
export const JOB_PATH = /^\/_switchyard\/jobs\/(job_[0-9a-f]{32})(\/result)?$/;

/** The status path of job `id`. */
export function jobPath(id: string): string {
  return `${JOBS_PREFIX}${id}`;
}
