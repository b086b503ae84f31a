/**
 * The one answer when libSQL fails an async-job call a client is waiting on (a submit's insert or
 * webhook-secret read, a job route's lookup): 503 `job-store-unavailable` with Retry-After, never
 * a bare 500. The database is down or slow, not any replica or cluster: nothing is counted
 * against them (no upstream was contacted).
 */
import { ProxyError } from './errors.ts';

/** Retry-After when libSQL did not answer: give it a moment. */
export const JOB_STORE_RETRY_S = 2;

/**
 * `what`: what could not be done ("the job could not be stored"); `why`: "it failed" or "no
 * answer within 5000 ms"; `hint`: what to check before trying again, if anything.
 */
export function jobStoreUnavailable(what: string, why: string, hint = ''): ProxyError {
  return new ProxyError('job-store-unavailable', 503, `${what} (${why}): the job database is unavailable; retry after ${JOB_STORE_RETRY_S}s${hint}`, false, JOB_STORE_RETRY_S);
}
