/**
 * The HTTP side of async jobs: submitting an admitted request as a job (202 + job id + status
 * URL) and `/_switchyard/jobs/<id>` (status), `…/result` (the stored answer, streamed from its
 * file) and `DELETE …` (cancel). The job id is 128 random bits and is the capability to read or
 * cancel the job (like a presigned URL): share it only with whoever may see the result. Those
 * routes take no token, so their libSQL lookups go through a bounded, fair share of the store
 * (job-route-reads.ts); a malformed id is refused before any of it.
 */
import { createReadStream } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { connectionListed, dropRequestHeader, STRIP_CREDENTIALS } from '../../shared/http/header-rules.ts';
import { JOB_PATH, JOBS_PREFIX, jobPath } from '../../shared/http/job-path.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import type { AsyncJobs } from './async-jobs.ts';
import { jobView, type JobRow } from './async-job-store.ts';
import { sendError, type ClientRequest, type ClientResponse } from './client-io.ts';
import { ProxyError } from './errors.ts';
import type { JobRouteReads } from './job-route-reads.ts';
import { jobStoreUnavailable } from './job-store-unavailable.ts';
import type { RequestTarget } from './request-target.ts';

const ASYNC_PARAM = /^async=(1|true)$/i;
const ASYNC_YES: ReadonlySet<string> = new Set(['1', 'true']);
const ASYNC_NO: ReadonlySet<string> = new Set(['0', 'false']);

/**
 * `x-switchyard-async` is ours (never forwarded): a value other than 1/true/0/false is the
 * client's mistake, refused rather than run at once as if it had said no. (The `async` query
 * parameter is left alone: an app may have one of its own.)
 */
export function badAsyncHeader(req: ClientRequest): ProxyError | null {
  const h = req.headers['x-switchyard-async'];
  if (h === undefined) return null;
  const v = typeof h === 'string' ? h.trim().toLowerCase() : '';
  if (ASYNC_YES.has(v) || ASYNC_NO.has(v)) return null;
  return new ProxyError('client-invalid', 400, `x-switchyard-async must be 1 or true (run as an async job) or 0 or false, got ${JSON.stringify(h).slice(0, 64)}`);
}

/**
 * A proxy without a database holds no jobs: its job routes, and a request asking to run as one
 * (which used to be run at once, holding the client's connection for what it meant to detach).
 * Nothing was sent, so the edge may try another cluster's proxy.
 */
export function asyncUnavailable(submitting: boolean): ProxyError {
  const what = submitting ? '; nothing was sent: drop async=1 / x-switchyard-async to run the request now' : '';
  return new ProxyError('async-unavailable', 501, `async jobs need the proxy to have a database (LIBSQL_URL)${what}`, false, null, true);
}

export function isJobRoute(url: string | undefined): boolean {
  return url?.startsWith(JOBS_PREFIX) ?? false;
}

/** `?async=1` (or `true`) or `x-switchyard-async: 1` (or `true`). */
export function wantsAsync(req: ClientRequest, target: RequestTarget): boolean {
  const h = req.headers['x-switchyard-async'];
  if (typeof h === 'string' && ASYNC_YES.has(h.trim().toLowerCase())) return true;
  const q = target.upstreamPath.indexOf('?');
  return q >= 0 && target.upstreamPath.slice(q + 1).split('&').some((p) => ASYNC_PARAM.test(p));
}

/** The public path to replay, without the `async` flag (everything else byte for byte). */
function replayPath(target: RequestTarget): string {
  const q = target.upstreamPath.indexOf('?');
  const path = q < 0 ? target.upstreamPath : target.upstreamPath.slice(0, q);
  const rest = q < 0 ? [] : target.upstreamPath.slice(q + 1).split('&').filter((p) => p !== '' && !ASYNC_PARAM.test(p));
  return `/v4/${target.appId}${path}${rest.length === 0 ? '' : `?${rest.join('&')}`}`;
}

/** Request headers worth replaying: never credentials, hop-by-hop or Switchyard's own. */
function replayHeaders(req: ClientRequest): Record<string, string> {
  const listed = connectionListed(req.headers.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || name === 'content-length' || value === undefined) continue;
    if (dropRequestHeader(name, listed, STRIP_CREDENTIALS)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: ClientRequest, max: number, appId: string): Promise<Uint8Array | ProxyError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return new ProxyError('body-too-large', 413, `${appId} accepts at most ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function json(res: ClientResponse, status: number, body: unknown, extra: OutgoingHttpHeaders = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.length, ...extra });
  res.end(data);
}

/**
 * Store the admitted request as a job and answer 202. A libSQL failure on the way (the webhook
 * secret's read, the row's insert) is answered 503 `job-store-unavailable` (job-store-unavailable.ts)
 * and reported to `storeFailed` with its cause (counted and logged), never thrown into a bare 500.
 */
export async function submitJob(
  jobs: AsyncJobs,
  req: ClientRequest,
  res: ClientResponse,
  target: RequestTarget,
  claims: RoutingClaims,
  maxBodyBytes: number,
  storeFailed: (err: ProxyError, cause: unknown) => void = () => undefined,
): Promise<void> {
  // The cap first: a refused submit neither reads its body nor writes a row.
  const room = await jobs.reserve(target.appId);
  if (room instanceof ProxyError) return sendError(res, room, { connection: 'close' });
  // A stored job holds the room until it ends (`submit` takes it); a refused submit gives it back.
  const held = { room: room as (() => void) | null };
  try {
    await storeJob(jobs, req, res, target, claims, maxBodyBytes, held);
  } catch (cause) {
    if (!(cause instanceof JobStoreFailed)) throw cause;
    // Our own refusal (no turn to write: `job-submits-busy`) as is; libSQL's failure as the 503.
    const err = cause.cause instanceof ProxyError ? cause.cause : jobStoreUnavailable(cause.what, 'it failed');
    storeFailed(err, cause.cause);
    sendError(res, err);
  } finally {
    held.room?.();
  }
}

async function storeJob(jobs: AsyncJobs, req: ClientRequest, res: ClientResponse, target: RequestTarget, claims: RoutingClaims, maxBodyBytes: number, held: { room: (() => void) | null }): Promise<void> {
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? null : await readBody(req, maxBodyBytes, target.appId);
  if (body instanceof ProxyError) return sendError(res, body, { connection: 'close' });
  const hook = req.headers['x-switchyard-webhook'];
  const webhookUrl = typeof hook === 'string' && hook !== '' ? hook : null;
  if (webhookUrl !== null) {
    const problem = jobs.webhookProblem(webhookUrl);
    if (problem !== null) return sendError(res, new ProxyError('webhook-invalid', 400, `x-switchyard-webhook ${problem}`));
    if (!(await storeCall(jobs.hasWebhookSecret(target.appId), "the app's webhook secret could not be read"))) {
      return sendError(res, new ProxyError('webhook-secret-missing', 400, `${target.appId} has no webhook secret to sign with: an operator creates one with \`switchyard service-keys webhook-secret --app ${target.appId}\``));
    }
  }
  const room = held.room ?? undefined;
  held.room = null; // submit gives it back itself if the row cannot be written
  const job = await storeCall(jobs.submit({ appId: target.appId, method, publicPath: replayPath(target), headers: replayHeaders(req), body, claims, webhookUrl }, room), 'the job could not be stored');
  json(res, 202, jobView(job), { location: jobPath(job.id) });
}

/** A submit's libSQL call failed: `what` it was for, the foreign error as `cause`. */
class JobStoreFailed extends Error {
  override readonly name = 'JobStoreFailed';
  constructor(
    readonly what: string,
    override readonly cause: unknown,
  ) {
    super(what);
  }
}

/** `call`, its failure (libSQL's error) marked as the store's, for `submitJob` to answer 503. */
function storeCall<T>(call: Promise<T>, what: string): Promise<T> {
  return call.catch((err: unknown) => Promise.reject(new JobStoreFailed(what, err)));
}

/** `GET|DELETE /_switchyard/jobs/<id>` and `GET /_switchyard/jobs/<id>/result`; `refused` counts and logs a refusal. */
export async function handleJobRoute(reads: JobRouteReads | null, req: ClientRequest, res: ClientResponse, refused: (err: ProxyError) => void = () => undefined): Promise<void> {
  req.resume();
  const refuse = (err: ProxyError): void => {
    refused(err);
    sendError(res, err);
  };
  if (reads === null) return sendError(res, asyncUnavailable(false));
  // The id's shape first: a malformed one costs no store read and no share of them.
  const m = JOB_PATH.exec(req.url ?? '');
  const id = m?.[1];
  if (id === undefined) return sendError(res, new ProxyError('not-found', 404, 'expected /_switchyard/jobs/<job id>[/result]'));
  const method = req.method ?? 'GET';
  const client = reads.clientOf(req.socket?.remoteAddress, req.headers['x-forwarded-for']);
  if (method === 'DELETE' && m?.[2] === undefined) {
    const done = await reads.cancel(id, client);
    if (done instanceof ProxyError) return refuse(done);
    if (done.job === null) return sendError(res, unknownJob(id));
    return json(res, done.cancelled ? 200 : 409, jobView(done.job));
  }
  if (method !== 'GET' && method !== 'HEAD') return sendError(res, new ProxyError('client-unsupported', 405, 'jobs take GET (status, result) and DELETE (cancel)'));
  const job = await reads.get(id, client);
  if (job instanceof ProxyError) return refuse(job);
  if (job === null) return sendError(res, unknownJob(id));
  if (m?.[2] === undefined) return json(res, 200, jobView(job));
  if (job.status === 'expired') return sendError(res, new ProxyError('job-result-expired', 410, `the result of job ${id} was deleted: ${job.error ?? 'expired'}`));
  if (job.status !== 'completed' || job.resultPath === null) {
    return sendError(res, new ProxyError('job-not-completed', 409, `job ${id} is ${job.status}${job.error === null ? '' : `: ${job.error}`}; poll /_switchyard/jobs/${id}`));
  }
  const release = reads.download(job.appId);
  if (release instanceof ProxyError) return refuse(release);
  streamResult(res, job, job.resultPath, release);
}

const unknownJob = (id: string): ProxyError => new ProxyError('unknown-job', 404, `no job ${id} (unknown, or expired)`);

/** The stored answer, from its file. */
function streamResult(res: ClientResponse, job: JobRow, path: string, release: () => void): void {
  const id = job.id;
  const file = createReadStream(path);
  // `pipe` never closes its source: a client gone mid-download left the file open for good (one
  // descriptor per abandoned download, and a deleted result's disk blocks). Closed with the answer.
  res.once('close', () => {
    file.destroy();
    release();
  });
  file.once('error', () => {
    if (!res.headersSent) sendError(res, new ProxyError('unknown-job', 410, `the result of job ${id} is gone`));
    else res.destroy();
  });
  file.once('open', () => {
    res.writeHead(job.resultStatus ?? 200, { 'content-type': job.resultType ?? 'application/octet-stream', 'content-length': job.resultBytes ?? undefined, 'x-switchyard-job': job.id });
    file.pipe(res as NodeJS.WritableStream);
  });
}
