/**
 * A request body over 1 MiB refused before it was all read: the simulated replica, like vLLM or
 * OpenAI, answers 413 once more than 1 MiB arrived, and the proxy passes that answer on while the
 * edge is still streaming the body (too large to hold for a retry). The client gets the 413 with
 * its JSON error and headers, never a 500, and the refusal is nobody's fault but the client's:
 * one attempt, no fallback, no ejection.
 *
 * Before: curl (which sends `Expect: 100-continue` with any body over 1 MiB) got 500 `internal`:
 * the edge passed the expectation on, the proxy's `100 Continue` came back as the answer's status,
 * and workerd's Response refused it (under `wrangler dev` the log then showed "Can't read from
 * request stream after response has been sent": the body's pump, still running after the 500).
 * Two more hops left an answered upload's rest unread on a kept-alive connection, so the next
 * request on it waited for the keep-alive timeout's reset, ~6 s, then 502: the proxy towards the
 * edge (proxy/test/an-upload-the-replica-refuses-early-never-stalls-the-next-request.test.ts) and
 * the simulated replica towards the proxy (control/sim-cluster/scenarios/a-body-over-the-limit-…).
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CLIENTS, devLocation, useStack } from './stack.ts';

// The self-hosted workerd edge: under `wrangler dev` its own front (a Node proxy before workerd)
// now and then resets a client still sending when the answer goes out (a few in a hundred such
// uploads, measured), which is wrangler's dev server, not the edge.
const h = useStack(23_800, {}, { edge: 'workerd' });
/**
 * A chat prompt over the replica's 1 MiB, under acme/chat's 8 MiB (examples/demo.yaml): the edge
 * lets it through. JSON, as a real one is: the proxy reads it whole to salt it for its project's
 * prompt cache (a body that is not JSON would be its own 400 there, not the replica's 413).
 */
const BODY = Buffer.from(JSON.stringify({ model: 'demo-llm', max_tokens: 4, messages: [{ role: 'user', content: 'a'.repeat(6 * 1024 * 1024) }] }));
const PATH = '/v4/acme/chat/v1/chat/completions';
/** acme/train streams its bodies through (`promptCache: shared`): a stalled upload still reaches the replica. */
const STREAMED_PATH = '/v4/acme/train/v1/chat/completions';

function headers(): Record<string, string> {
  return {
    authorization: `Bearer ${h.stack().apiKey}`,
    'content-type': 'application/json',
    ...devLocation(CLIENTS.frankfurt),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** As curl sends a large upload: `Expect: 100-continue` (undici's fetch refuses that header). */
function curlLikeUpload(): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.stack().edgeUrl}${PATH}`, {
      method: 'POST',
      headers: { ...headers(), 'content-length': String(BODY.length), expect: '100-continue' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    // The edge may close while the body is still going out: the answer is what counts.
    req.on('error', (err) => setTimeout(() => reject(err), 2_000));
    req.end(BODY);
  });
}

async function fetchUpload(body: Buffer | ReadableStream<Uint8Array> = BODY): Promise<Answer> {
  const res = await fetch(`${h.stack().edgeUrl}${PATH}`, {
    method: 'POST',
    headers: headers(),
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** The same bytes of unknown length (chunked), 64 KiB at a time. */
function chunkedUpload(): Promise<Answer> {
  let at = 0;
  return fetchUpload(
    new ReadableStream<Uint8Array>({
      pull(controller): void {
        if (at >= BODY.length) return controller.close();
        controller.enqueue(BODY.subarray(at, at + 64 * 1024));
        at += 64 * 1024;
      },
    }),
  );
}

/**
 * 2 MiB chunked, then nothing more and no end, as curl stops sending at an error status: the
 * answer must still end (workerd ended a subrequest's answer only after its upload; the client
 * waited forever, watched-body.ts). To an app whose bodies stream through: acme/chat's are read
 * whole first (salted per project), and a body that never ends gets the proxy's 408 there.
 */
async function stalledUpload(): Promise<Answer> {
  let at = 0;
  const stop = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    pull(controller): Promise<void> | void {
      if (at >= 2 * 1024 * 1024) return new Promise<void>(() => undefined);
      controller.enqueue(BODY.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
  try {
    const res = await fetch(`${h.stack().edgeUrl}${STREAMED_PATH}`, { method: 'POST', headers: headers(), body, duplex: 'half', signal: stop.signal } as RequestInit);
    const text = res.text();
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the answer did not end within 10 s')), 10_000));
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await Promise.race([text, late]) };
  } finally {
    stop.abort();
  }
}

/** Upstream attempts (every proxy, every cluster, by result) and ejections. */
async function proxyCounters(): Promise<{ attempts: Record<string, number>; ejections: number }> {
  const attempts: Record<string, number> = {};
  let ejections = 0;
  for (const px of h.stack().topology.proxies) {
    const text = await (await fetch(`${px.adminUrl}/_switchyard/metrics`)).text();
    for (const line of text.split('\n')) {
      const a = /^switchyard_proxy_upstream_attempts_total\{.*result="([^"]+)"\} (\d+)/.exec(line);
      if (a?.[1] !== undefined) attempts[a[1]] = (attempts[a[1]] ?? 0) + Number(a[2]);
      const e = /^switchyard_proxy_outlier_ejections_total\{.*\} (\d+)/.exec(line);
      if (e?.[1] !== undefined) ejections += Number(e[1]);
    }
  }
  return { attempts, ejections };
}

describe('a body over 1 MiB that the replica refuses', () => {
  it.each([
    ['sent as curl sends it (Expect: 100-continue)', curlLikeUpload],
    ['sent by fetch', () => fetchUpload()],
    ['sent chunked', chunkedUpload],
    ['stalled by its client at the answer', stalledUpload],
  ])('%s gets the 413 with its error, once, counted against no cluster', async (_name, upload) => {
    const before = await proxyCounters();
    const res = await upload();
    expect(res.status, res.body).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'body_too_large' } });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-switchyard-decision-id']).toMatch(/.+/);
    const after = await proxyCounters();
    // One attempt, the replica's 413: no retry, no fallback, nothing ejected.
    const moved = Object.fromEntries(
      Object.entries(after.attempts)
        .filter(([k, n]) => n !== (before.attempts[k] ?? 0))
        .map(([k, n]) => [k, n - (before.attempts[k] ?? 0)]),
    );
    expect(moved).toEqual({ '413': 1 });
    expect(after.ejections).toBe(before.ejections);
  });
});
