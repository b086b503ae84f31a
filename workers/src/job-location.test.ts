import { describe, expect, it } from 'vitest';
import { isJobAccepted, jobAccepted } from './job-location.ts';

const ID = `job_${'0123456789abcdef'.repeat(2)}`;
const view = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: ID,
    status: 'queued',
    statusUrl: `/_switchyard/jobs/${ID}`,
    resultUrl: null,
    ...extra,
  });

function answer(
  status: number,
  location: string | null,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'application/json',
      'content-length': String(new TextEncoder().encode(body).length),
      ...(location === null ? {} : { location }),
      ...headers,
    },
  });
}

describe('isJobAccepted', () => {
  it.each([
    ['the proxy taking a job', 202, `/_switchyard/jobs/${ID}`, true],
    ['a 202 elsewhere (a replica)', 202, '/v1/batches/1', false],
    ['a 202 without Location', 202, null, false],
    ['a redirect to a job path', 303, `/_switchyard/jobs/${ID}`, false],
    ['a malformed id', 202, '/_switchyard/jobs/job_1', false],
  ])('%s: %s %s → %s', (_name, status, location, expected) => {
    expect(isJobAccepted(answer(status, location, '{}'))).toBe(expected);
  });
});

describe('jobAccepted', () => {
  it.each([
    ['a proxy at its origin', 'http://127.0.0.1:9000', 'http://127.0.0.1:9000'],
    [
      'a proxy under a base path (kept, trailing slash dropped)',
      'https://eu.example.com/sy/',
      'https://eu.example.com/sy',
    ],
  ])('%s: Location and statusUrl at %s', async (_name, proxyUrl, base) => {
    const res = await jobAccepted(
      answer(202, `/_switchyard/jobs/${ID}`, view(), {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
      }),
      proxyUrl,
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`${base}/_switchyard/jobs/${ID}`);
    expect(res.headers.get('keep-alive')).toBeNull();
    const body = (await res.json()) as { id: string; statusUrl: string; resultUrl: string | null };
    expect(body).toMatchObject({
      id: ID,
      statusUrl: `${base}/_switchyard/jobs/${ID}`,
      resultUrl: null,
    });
  });

  it.each([
    ['not JSON', 'accepted'],
    ['JSON of another shape', '[1,2]'],
    ['a statusUrl that is no job path', view({ statusUrl: 'https://elsewhere.test/x' })],
  ])('passes a body that is %s on as it was', async (_name, body) => {
    const res = await jobAccepted(answer(202, `/_switchyard/jobs/${ID}`, body), 'http://p');
    expect(res.headers.get('location')).toBe(`http://p/_switchyard/jobs/${ID}`);
    expect(await res.text()).toBe(body);
  });

  it('passes a body of undeclared or large length on unread', async () => {
    const big = view({ pad: 'x'.repeat(20_000) });
    const res = await jobAccepted(answer(202, `/_switchyard/jobs/${ID}`, big), 'http://p');
    expect(res.headers.get('location')).toBe(`http://p/_switchyard/jobs/${ID}`);
    expect(await res.text()).toBe(big);
  });
});
