/**
 * A replay parses each snapshot line's JSON by parts, reusing the parts the snapshot before had
 * (`snapshot-sections.ts`): the app and its clusters rarely change between an app's snapshots.
 * The object it gives must be exactly `JSON.parse`'s, and any other shape must fall back to it.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { snapshotJson } from '../../shared/decision/record-json.ts';
import { makeRecords } from './record-fixtures.ts';
import { SnapshotSections } from './snapshot-sections.ts';

const records = makeRecords(200, DEFAULT_POLICY, 'parts');
const texts = [...new Set(records.map((r) => snapshotJson(r.input.snapshot)))];

describe('snapshot parts', () => {
  it("give JSON.parse's object for every snapshot of a replay, sharing the app and clusters the snapshot before had", () => {
    expect(texts.length).toBeGreaterThan(5);
    const sections = new SnapshotSections();
    let before: Record<string, unknown> | undefined;
    for (const text of texts) {
      const got = sections.parse(text);
      expect(got).toEqual(JSON.parse(text));
      if (before !== undefined) {
        expect(got?.['app']).toBe(before['app']);
        expect(got?.['clusters']).toBe(before['clusters']);
        expect(got?.['state']).not.toBe(before['state']);
      }
      before = got;
    }
    expect(sections.reused).toBeGreaterThanOrEqual(2 * (texts.length - 1));
  });

  it.each([
    ['no outcomes, no job pins', '{"app":{"id":"a/b","clusters":["x"]},"clusters":[["x",{"id":"x"}]],"state":[],"status":[],"latency":[],"loadedAt":5}'],
    ['job pins', '{"app":{"id":"a/b"},"clusters":[],"state":[],"status":[],"latency":[],"outcomes":[],"jobPins":[["k",{"clusterId":"x"}]],"loadedAt":5}'],
    ['a key inside a string', '{"app":{"id":"a/b","name":"x,\\"state\\":[]"},"clusters":[],"state":[],"status":[],"latency":[],"loadedAt":5}'],
    ['a nested key named like a top-level one', '{"app":{"id":"a/b","latency":[1],"clusters":["x"]},"clusters":[],"state":[],"status":[],"latency":[],"loadedAt":5}'],
  ])('%s: the same object as JSON.parse', (_name, text) => {
    expect(new SnapshotSections().parse(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['another key order', '{"clusters":[],"app":{},"state":[],"status":[],"latency":[],"loadedAt":5}'],
    ['a part missing', '{"app":{},"clusters":[],"status":[],"latency":[],"loadedAt":5}'],
    ['a part that does not parse', '{"app":{"id":},"clusters":[],"state":[],"status":[],"latency":[],"loadedAt":5}'],
    ['a duplicated key', '{"app":{},"clusters":[1],"clusters":[2],"state":[],"status":[],"latency":[],"loadedAt":5}'],
    ['not an object', '[1,2]'],
  ])('%s: left to JSON.parse (undefined)', (_name, text) => {
    expect(new SnapshotSections().parse(text)).toBeUndefined();
  });
});
