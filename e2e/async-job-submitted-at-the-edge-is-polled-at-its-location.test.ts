/**
 * An async job submitted through the edge (`?async=1`): the proxy that took it answers 202 with
 * `Location: /_switchyard/jobs/<id>`, a path on that proxy (the job, its result file and its
 * lookups live there). Passed on as is, the client resolved it against the edge's URL and got the
 * edge's 404. The edge now makes it absolute at the proxy that answered (as redirect and token
 * answers name that proxy), in the header and in the body's `statusUrl`: a plain fetch of the
 * Location, as any HTTP client follows it, gets the job's status, and later its result.
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS, devLocation, sleep, useSharedStack } from './stack.ts';

const h = useSharedStack();

interface JobView {
  readonly id: string;
  readonly status: string;
  readonly statusUrl: string;
  readonly resultUrl: string | null;
}

describe('an async job submitted at the edge', () => {
  // Asked for by query or by header: the header was stripped at the edge (a synchronous 200).
  it.each([
    ['?async=1', '?async=1', {}],
    ['x-switchyard-async: 1', '', { 'x-switchyard-async': '1' }],
  ])('(%s) is polled at the Location the edge answered with, then its result fetched', async (_how, query, asked) => {
    const submit = await fetch(`${h.stack().edgeUrl}/v4/acme/chat/v1/chat/completions${query}`, {
      method: 'POST',
      headers: {
        ...asked,
        authorization: `Bearer ${h.stack().apiKey}`,
        'content-type': 'application/json',
        ...devLocation(CLIENTS.frankfurt),
      },
      body: JSON.stringify({
        model: 'demo-llm',
        max_tokens: 4,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const submitted = (await submit.json()) as JobView;
    expect(submit.status, JSON.stringify(submitted)).toBe(202);
    const location = submit.headers.get('location');
    expect(location).not.toBeNull();
    // Where a client resolves it: against the URL it asked.
    const statusUrl = new URL(location ?? '', submit.url).href;
    const proxyUrls = h.stack().topology.proxies.map((p) => p.url);
    expect(
      proxyUrls.some((u) => statusUrl.startsWith(`${u}/_switchyard/jobs/${submitted.id}`)),
    ).toBe(true);
    expect(submitted.statusUrl).toBe(statusUrl);

    const deadline = Date.now() + 20_000;
    let job: JobView;
    for (;;) {
      const res = await fetch(statusUrl);
      expect(res.status).toBe(200);
      job = (await res.json()) as JobView;
      expect(job.id).toBe(submitted.id);
      if (job.status === 'completed' || Date.now() > deadline) break;
      await sleep(200);
    }
    expect(job.status).toBe('completed');
    // The status answer comes straight from the proxy: its relative result URL resolves there.
    const result = await fetch(new URL(job.resultUrl ?? '', statusUrl));
    expect(result.status).toBe(200);
    const completion = (await result.json()) as { choices: unknown[] };
    expect(completion.choices.length).toBeGreaterThan(0);
  });
});
