/**
 * The one serialiser of a decision's inputs (the edge's decisions and the regional proxy's
 * in-region ones alike), in the replay format (decision record format v1, read by
 * backtest/decision-record.ts): `input_json` = {v, request, policy, now, seed, staleSnapshot,
 * jobPins?, snapshotRef} naming the snapshot stored once in `decision_snapshots` (`inputRecord`).
 * Rows written before migration 30 carry it inline as `snapshot` (`inputJson`), with the snapshot's
 * Maps as `[key, value]` entry arrays (its recent `outcomes` too, when it has them: the ttft
 * failure-risk term reads them). The snapshot part is the same for every decision made from one
 * snapshot, so it is serialised (and hashed) once per snapshot.
 */
import type { Policy } from './types.ts';
import type { AppSnapshot, JobPin, RequestFacts } from '../domain/types.ts';
import { snapshotId } from './snapshot-id.ts';

export const RECORD_FORMAT_VERSION = 1;

const serialised = new WeakMap<AppSnapshot, string>();
const serialisedPolicy = new WeakMap<Policy, string>();
const stored = new WeakMap<AppSnapshot, SnapshotRow>();

/** One `decision_snapshots` row: the snapshot's JSON, its content address, its loadedAt. */
export interface SnapshotRow {
  readonly id: string;
  readonly json: string;
  readonly at: number;
}

/** A decision's `input_json` naming its snapshot, and that snapshot's row (written in the same batch). */
export interface InputRecord {
  readonly inputJson: string;
  readonly snapshot: SnapshotRow;
}

/**
 * The snapshot as a JSON-safe object (Maps become entry arrays, in insertion order): the record's
 * `snapshot`, for the edge's and proxy's `input_json` and for the NDJSON export alike.
 */
export function snapshotRecord(s: AppSnapshot) {
  return {
    app: s.app,
    clusters: [...s.clusters.entries()],
    state: [...s.state.entries()],
    status: [...s.status.entries()],
    latency: [...s.latency.entries()],
    // Optional: the ttft failure-risk term reads it; absent = none reported.
    ...(s.outcomes === undefined ? {} : { outcomes: [...s.outcomes.entries()] }),
    loadedAt: s.loadedAt,
  };
}

/** JSON of the snapshot (`snapshotRecord`), memoised per snapshot object. */
export function snapshotJson(s: AppSnapshot): string {
  let json = serialised.get(s);
  if (json === undefined) {
    json = JSON.stringify(snapshotRecord(s));
    serialised.set(s, json);
  }
  return json;
}

function policyJson(p: Policy): string {
  let json = serialisedPolicy.get(p);
  if (json === undefined) {
    json = JSON.stringify(p);
    serialisedPolicy.set(p, json);
  }
  return json;
}

/** The snapshot's `decision_snapshots` row, memoised per snapshot object (hashed once). */
export function snapshotRow(s: AppSnapshot): SnapshotRow {
  let row = stored.get(s);
  if (row === undefined) {
    const json = snapshotJson(s);
    row = { id: snapshotId(s.app.id, json), json, at: s.loadedAt };
    stored.set(s, row);
  }
  return row;
}

/** Everything `decide()` was given, enough to replay it exactly. */
export interface InputArgs {
  readonly request: RequestFacts;
  readonly policy: Policy;
  readonly now: number;
  readonly seed: string;
  readonly staleSnapshot: boolean;
  /** Round-robin / least-outstanding state just before the decision (classic stateful strategies only). */
  readonly strategyState?: { readonly roundRobinCursor: number; readonly outstanding: ReadonlyArray<readonly [string, number]> };
  readonly snapshot: AppSnapshot;
  /** Where a decision not made at the edge was made, e.g. `{ scope: 'in-region', proxy, region }`. */
  readonly origin?: Readonly<Record<string, string>>;
}

/**
 * The `input_json` column as written since migration 30: the snapshot by reference
 * (`"snapshotRef"`, last), this request's job pin beside it (`"jobPins"`: request-specific, so it
 * stays in the row), and the snapshot row the batch must also write.
 */
export function inputRecord(args: InputArgs): InputRecord {
  const snapshot = snapshotRow(args.snapshot);
  const pin = requestPin(args.snapshot, args.request);
  const pins = pin === undefined ? '' : `,"jobPins":${JSON.stringify([[pin.keyHash, pin]])}`;
  return { inputJson: `${inputHead(args)}${pins},"snapshotRef":${JSON.stringify(snapshot.id)}}`, snapshot };
}

/**
 * The `input_json` of rows written before migration 30, snapshot inline: what old rows hold, so
 * tests and benches can write one. Production writers use `inputRecord`.
 */
export function inputJson(args: InputArgs): string {
  return `${inputHead(args)},"snapshot":${withRequestPin(snapshotJson(args.snapshot), args.snapshot, args.request)}}`;
}

/** Every key before the snapshot, without the closing brace. */
function inputHead(args: InputArgs): string {
  const origin = args.origin === undefined ? '' : Object.entries(args.origin).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
  return (
    `{"v":${RECORD_FORMAT_VERSION}${origin},"request":${JSON.stringify(args.request)},"policy":${policyJson(args.policy)}` +
    `,"now":${JSON.stringify(args.now)},"seed":${JSON.stringify(args.seed)},"staleSnapshot":${args.staleSnapshot}` +
    (args.strategyState === undefined ? '' : `,"strategyState":${JSON.stringify(args.strategyState)}`)
  );
}

/**
 * A snapshot may carry thousands of job pins: the record keeps only the one this request's key
 * hash found (enough to replay the decision), spliced into the memoised snapshot JSON.
 */
function withRequestPin(json: string, s: AppSnapshot, request: RequestFacts): string {
  const pin = requestPin(s, request);
  return pin === undefined ? json : `${json.slice(0, -1)},"jobPins":${JSON.stringify([[pin.keyHash, pin]])}}`;
}

function requestPin(s: AppSnapshot, request: RequestFacts): JobPin | undefined {
  const hash = request.jobKeyHash;
  return hash === null || hash === undefined ? undefined : s.jobPins?.get(hash);
}
