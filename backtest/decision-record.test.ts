import { describe, expect, it } from 'vitest';
import { BacktestError } from './errors.ts';
import {
  parseInputJson,
  recordFromNdjsonLine,
  recordToNdjsonLine,
  serializeInput,
  SnapshotCache,
  type DecisionInput,
} from './decision-record.ts';
import { snapshotFixture } from './test-fixtures.ts';
import { DEFAULT_POLICY } from './decision-port.ts';

const now = 1_750_000_000_000;
const input: DecisionInput = {
  request: {
    appId: 'acme/chat',
    fn: 'v1/x',
    method: 'POST',
    client: { colo: 'CDG', country: 'FR', continent: 'EU', location: { lat: 48.9, lon: 2.35 } },
    affinityKey: null,
    synthetic: false,
  },
  snapshot: snapshotFixture({ now }),
  policy: DEFAULT_POLICY,
  now,
  seed: 's1',
  staleSnapshot: false,
  strategyState: { roundRobinCursor: 3, outstanding: new Map([['eu-a', 2]]) },
};

describe('decision record format', () => {
  it('round-trips an input through input_json with Maps intact', () => {
    const text = JSON.stringify(serializeInput(input));
    expect(text.endsWith('}}')).toBe(true);
    for (const cache of [null, new SnapshotCache()]) {
      const back = parseInputJson(text, 'row', cache);
      expect(back.snapshot.clusters).toBeInstanceOf(Map);
      expect(back).toEqual(input);
    }
  });

  it('parses a shared snapshot once and hands out the same object', () => {
    const cache = new SnapshotCache();
    const text = JSON.stringify(serializeInput(input));
    const a = parseInputJson(text, 'a', cache);
    const b = parseInputJson(text.replace('"seed":"s1"', '"seed":"s2"'), 'b', cache);
    expect(b.snapshot).toBe(a.snapshot);
    expect(b.seed).toBe('s2');
  });

  it('still reads records whose writer put the snapshot first', () => {
    const s = serializeInput(input);
    const { snapshot, ...rest } = s;
    const text = JSON.stringify({ snapshot, ...rest });
    expect(parseInputJson(text, 'row', new SnapshotCache())).toEqual(input);
  });

  it('round-trips NDJSON lines', () => {
    const decision = { id: 'd1' } as unknown as Parameters<typeof recordToNdjsonLine>[0]['decision'];
    const line = recordToNdjsonLine({ input, decision, outcomes: [] });
    expect(recordFromNdjsonLine(line, 'f:1', new SnapshotCache())).toEqual({ input, decision, outcomes: [] });
  });

  it.each([
    ['not JSON', '{', 'f:1: not valid JSON'],
    ['wrong version', JSON.stringify({ decision: {}, outcomes: [], input: { ...serializeInput(input), v: 9 } }), 'format v1'],
    ['maps not entries', JSON.stringify({ decision: {}, outcomes: [], input: { ...serializeInput(input), snapshot: { ...serializeInput(input).snapshot, state: {} } } }), 'state must be an array'],
  ])('refuses %s with a bad-record error', (_name, line, message) => {
    for (const cache of [null, new SnapshotCache()]) {
      let err: unknown;
      try {
        recordFromNdjsonLine(line, 'f:1', cache);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BacktestError);
      expect((err as BacktestError).code).toBe('bad-record');
      expect((err as BacktestError).message).toContain(message);
    }
  });
});
