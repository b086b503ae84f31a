import { describe, expect, it } from 'vitest';
import type { AppSnapshot, JobPin, RequestFacts } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, policy, request, snapshot, state, status } from './test-fixtures.ts';

const EU = cluster('eu-1', 'eu-west');
const US = cluster('us-1', 'us-east');
const HASH = 'a'.repeat(64);

function withPins(snap: AppSnapshot, pins: readonly JobPin[]): AppSnapshot {
  return { ...snap, jobPins: new Map(pins.map((p) => [p.keyHash, p])) };
}

const pin = (over: Partial<JobPin> = {}): JobPin => ({ keyHash: HASH, clusterId: 'us-1', endpoint: null, expiresAt: NOW + 60_000, ...over });
// A Frankfurt client: without a pin the nearby, cheap, idle eu-1 wins nearly always.
const base = (): AppSnapshot =>
  snapshot({ clusters: [EU, US], states: [state('eu-1', { hotFree: 50, pricePerHour: 1 }), state('us-1', { hotFree: 1, pricePerHour: 9 })] });
const job = (over: Partial<RequestFacts> = {}): RequestFacts => request({ jobKeyHash: HASH, ...over });

describe('job pins in the decision', () => {
  it.each([
    ['honoured over a better-scoring cluster', withPins(base(), [pin()]), job(), 'us-1', 'pinned-job', true],
    [
      'broken by a hard rule (the pinned cluster is draining): routed normally, and it says why',
      withPins(
        snapshot({
          clusters: [EU, US],
          states: [state('eu-1', { hotFree: 50, pricePerHour: 1 }), state('us-1', { hotFree: 1, pricePerHour: 9 })],
          statuses: [status('us-1', { draining: true })],
        }),
        [pin()],
      ),
      job(),
      'eu-1',
      null,
      false,
    ],
    ['an expired pin is no pin', withPins(base(), [pin({ expiresAt: NOW - 1 })]), job(), 'eu-1', null, null],
    ['another key is not pinned', withPins(base(), [pin()]), job({ jobKeyHash: 'b'.repeat(64) }), 'eu-1', null, null],
    ['a request without a job key is not pinned', withPins(base(), [pin()]), request(), 'eu-1', null, null],
    ['a pin to a cluster the app left breaks', withPins(base(), [pin({ clusterId: 'ap-1' })]), job(), 'eu-1', null, false],
  ])('%s', (_what, snap, req, chosen, reason, honoured) => {
    const d = decide(req, snap, policy({ model: 'ttft' }), context('seed-pin'));
    expect(d.chosen).toBe(chosen);
    if (reason !== null) expect(d.reason).toBe(reason);
    else expect(d.reason).not.toBe('pinned-job');
    if (honoured === null) expect(d.jobPin).toBeUndefined();
    else expect(d.jobPin?.honoured).toBe(honoured);
    if (honoured === false) expect(d.summary).toContain('broken');
  });

  it('a broken pin names the hard rule that broke it', () => {
    const snap = withPins(
      snapshot({ clusters: [EU, US], statuses: [status('us-1', { draining: true })] }),
      [pin()],
    );
    const d = decide(job(), snap, policy(), context());
    expect(d.jobPin?.detail).toMatch(/draining/);
  });

  it('the pinned cluster has probability 1 and the others stay ranked as fallbacks', () => {
    const d = decide(job(), withPins(base(), [pin()]), policy(), context());
    expect(d.candidates.find((c) => c.clusterId === 'us-1')?.probability).toBe(1);
    expect(d.fallbacks).toEqual(['eu-1']);
  });
});
