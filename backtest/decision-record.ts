/**
 * The serialised decision record: what the Worker logs for every decision (the
 * `decisions` table's `input_json` / `explanation_json`, or one NDJSON line) and
 * what replay reads back. AppSnapshot holds Maps, which JSON cannot carry, so
 * they travel as arrays of `[key, value]` entries.
 *
 * Format version 1:
 *   input_json       = {"v":1,"request":RequestFacts,"policy":Policy,"now":number,
 *                       "seed":string,"staleSnapshot":boolean,"snapshot":SerializedSnapshot,
 *                       "strategyState"?:{"roundRobinCursor":number,"outstanding":[[id,n]...]}}
 *   (`strategyState` only for classic stateful strategies: their state just before the decision.
 *   A proxy's in-region record also has `"scope":"in-region","proxy","region"` after `v`.)
 *   Since migration 30 a libSQL row names its snapshot instead of carrying it:
 *   {…,"staleSnapshot":…,"strategyState"?,"jobPins"?:[[keyHash,JobPin]],"snapshotRef":id}, the
 *   snapshot being `decision_snapshots.json` for `id` (written once per content, in the same batch)
 *   and `jobPins` this request's pin, which an inline snapshot carried inside. An NDJSON file's
 *   records name theirs the same way (`snapshotRef` → an earlier snapshot line). Readers take both.
 *   SerializedSnapshot = {"app","clusters","state","status","latency","outcomes"?,"jobPins"?,"loadedAt"}
 *   (`outcomes` = the snapshot's recent OutcomeStats per cluster, which the ttft failure-risk term reads; records
 *   written before it was logged lack it and replay without outcomes, as they were read before.
 *   Not the NDJSON line's top-level `outcomes`, which are this request's own proxy attempts.)
 *   explanation_json = Decision (as is, with its maker's notes: shared/decision/decision-notes.ts)
 *   NDJSON line      = {"v":1,"decision":Decision,"outcomes":OutcomeRecord[],"input":<input_json object>}
 *   Writers should keep `snapshot` (and `input`) last: readers then reuse a snapshot
 *   shared by consecutive decisions without parsing it again. Other orders still parse.
 */
import type {
  App,
  AppSnapshot,
  Cluster,
  ClusterAppState,
  ClusterStatus,
  JobPin,
  LatencyMeasurement,
  OutcomeStats,
  RequestFacts,
} from '../shared/domain/types.ts';
import type { Decision, Policy, StrategyState } from '../shared/decision/types.ts';
import { DEFAULT_POLICY } from '../shared/decision/policy.ts';
import { inputRecord, snapshotRecord, type SnapshotRow } from '../shared/decision/record-json.ts';
import type { RecordOrigin } from '../shared/decision/decision-notes.ts';
import { BacktestError } from './errors.ts';

/**
 * Records written before the ttft model carry no `model`: they were decided by
 * the weights model, so they replay under it (and get the ttft defaults for
 * when a replay policy switches the model on).
 */
function withModel(p: Policy): Policy {
  const raw = p as Partial<Policy>;
  if (raw.model !== undefined && raw.ttft !== undefined) return p;
  return { ...p, model: raw.model ?? 'weights', ttft: raw.ttft ?? DEFAULT_POLICY.ttft };
}

export const RECORD_FORMAT_VERSION = 1;

/** Everything decide() was given, so the decision can be re-run bit for bit. */
export interface DecisionInput {
  readonly request: RequestFacts;
  readonly snapshot: AppSnapshot;
  readonly policy: Policy;
  readonly now: number;
  readonly seed: string;
  readonly staleSnapshot: boolean;
  /** Round-robin / least-outstanding state just before the decision, when the strategy uses it. */
  readonly strategyState?: StrategyState;
  /** Where the decision was made, when not at the edge (the proxy's in-region records). */
  readonly origin?: RecordOrigin;
}

/** One row of the `outcomes` table: what happened when the request was proxied. */
export interface OutcomeRecord {
  readonly attempt: number;
  readonly proxyId: string;
  readonly clusterId: string | null;
  readonly status: number;
  readonly ttfbMs: number | null;
  readonly durationMs: number;
}

export interface DecisionRecord {
  readonly input: DecisionInput;
  readonly decision: Decision;
  readonly outcomes: readonly OutcomeRecord[];
}

export interface SerializedSnapshot {
  readonly app: App;
  readonly clusters: ReadonlyArray<readonly [string, Cluster]>;
  readonly state: ReadonlyArray<readonly [string, ClusterAppState]>;
  readonly status: ReadonlyArray<readonly [string, ClusterStatus]>;
  readonly latency: ReadonlyArray<readonly [string, readonly LatencyMeasurement[]]>;
  /** Recent outcomes per cluster; absent in records written before it was logged (replayed without). */
  readonly outcomes?: ReadonlyArray<readonly [string, OutcomeStats]>;
  readonly loadedAt: number;
}

export interface SerializedInput {
  readonly v: number;
  /** `scope`, `region`, `proxy`: where the decision was made, when not at the edge. */
  readonly scope?: string;
  readonly region?: string;
  readonly proxy?: string;
  readonly request: RequestFacts;
  readonly policy: Policy;
  readonly now: number;
  readonly seed: string;
  readonly staleSnapshot: boolean;
  readonly snapshot: SerializedSnapshot;
  readonly strategyState?: { readonly roundRobinCursor: number; readonly outstanding: ReadonlyArray<readonly [string, number]> };
}

/** AppSnapshot → JSON-safe object: the edge's own serialiser (`snapshotRecord`), so both write the same record. */
export function serializeSnapshot(s: AppSnapshot): SerializedSnapshot {
  return snapshotRecord(s);
}

/** JSON-safe object → AppSnapshot. Throws `bad-record` when the shape is wrong. */
export function deserializeSnapshot(raw: unknown, where = 'snapshot'): AppSnapshot {
  const o = asObject(raw, where);
  return {
    app: asObject(o['app'], `${where}.app`) as unknown as App,
    clusters: new Map(asEntries<Cluster>(o['clusters'], `${where}.clusters`)),
    state: new Map(asEntries<ClusterAppState>(o['state'], `${where}.state`)),
    status: new Map(asEntries<ClusterStatus>(o['status'], `${where}.status`)),
    latency: new Map(asEntries<readonly LatencyMeasurement[]>(o['latency'], `${where}.latency`)),
    ...(o['outcomes'] === undefined ? {} : { outcomes: new Map(asEntries<OutcomeStats>(o['outcomes'], `${where}.outcomes`)) }),
    // Only the deciding request's pin is recorded (workers/src/decision-record.ts).
    ...(o['jobPins'] === undefined ? {} : { jobPins: new Map(asEntries<JobPin>(o['jobPins'], `${where}.jobPins`)) }),
    loadedAt: asNumber(o['loadedAt'], `${where}.loadedAt`),
  };
}

/** The `input_json` column's value for one decision. */
export function serializeInput(input: DecisionInput): SerializedInput {
  // Key order matters: `snapshot` comes last so readers can reuse an identical snapshot
  // text without parsing it again (see `parseInputJson`).
  return {
    v: RECORD_FORMAT_VERSION,
    ...input.origin,
    request: input.request,
    policy: input.policy,
    now: input.now,
    seed: input.seed,
    staleSnapshot: input.staleSnapshot,
    ...(input.strategyState === undefined
      ? {}
      : {
          strategyState: {
            roundRobinCursor: input.strategyState.roundRobinCursor,
            outstanding: [...input.strategyState.outstanding.entries()],
          },
        }),
    snapshot: serializeSnapshot(input.snapshot),
  };
}

/**
 * Remembers the last few snapshots by their JSON text (inline records) or their id (records
 * that name theirs). Consecutive decisions share one snapshot (the Worker refreshes it about once
 * a second), so replay parses it once and decide() compiles it once.
 */
export class SnapshotCache {
  private readonly map = new Map<string, AppSnapshot>();
  private readonly refs = new Map<string, AppSnapshot>();
  constructor(private readonly size = 8, private readonly refSize = 64) {}

  get(text: string, where: string): AppSnapshot {
    return this.map.get(text) ?? remember(this.map, this.size, text, deserializeSnapshot(JSON.parse(text), where));
  }

  /** The snapshot stored as `id`, parsed from `text()` the first time it is asked for. */
  byId(id: string, text: () => string, where: string): AppSnapshot {
    return this.refs.get(id) ?? remember(this.refs, this.refSize, id, deserializeSnapshot(parseJson(text(), where), where));
  }
}

function remember(map: Map<string, AppSnapshot>, size: number, key: string, snap: AppSnapshot): AppSnapshot {
  if (map.size >= size) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, snap);
  return snap;
}

/** The JSON of the snapshot stored as `id` (`decision_snapshots.json`); undefined when the reader has none. */
export type SnapshotTexts = (id: string) => string | undefined;

const SNAPSHOT_KEY = '"snapshot":';
const REF_KEY = ',"snapshotRef":';

/**
 * Parse `input_json` text. A record naming its snapshot (`"snapshotRef"`, last as record-json.ts
 * writes it) resolves it through `snapshots`, each id parsed once per cache; an inline snapshot
 * is reused from the cache when the text ends with it (v1 writers before migration 30 did).
 */
export function parseInputJson(text: string, where: string, cache: SnapshotCache | null, snapshots?: SnapshotTexts): DecisionInput {
  const r = text.lastIndexOf(REF_KEY);
  if (r > 0 && text.endsWith('"}')) {
    const head = tryParse(`${text.slice(0, r)}}`);
    const id = tryParse(text.slice(r + REF_KEY.length, -1));
    if (isRecord(head) && typeof id === 'string') return referencedInput(head, id, where, cache, snapshots);
  }
  const i = cache === null ? -1 : text.lastIndexOf(SNAPSHOT_KEY);
  if (cache !== null && i > 0 && text.endsWith('}')) {
    try {
      const snapshot = cache.get(text.slice(i + SNAPSHOT_KEY.length, -1), `${where}.snapshot`);
      const head = JSON.parse(`${text.slice(0, i)}"snapshot":null}`) as Record<string, unknown>;
      return { ...deserializeInput({ ...head, snapshot: EMPTY_SNAPSHOT_JSON }, where), snapshot };
    } catch (err) {
      if (err instanceof BacktestError) throw err;
      // Another key order or shape: fall through to the plain parse, which reports real errors.
    }
  }
  const raw = parseJson(text, where);
  if (isRecord(raw) && raw['snapshot'] === undefined && typeof raw['snapshotRef'] === 'string') {
    return referencedInput(raw, raw['snapshotRef'], where, cache, snapshots);
  }
  return deserializeInput(raw, where);
}

/** An input naming its snapshot: the stored one, with this request's job pin (kept in the row) added. */
function referencedInput(o: Record<string, unknown>, id: string, where: string, cache: SnapshotCache | null, snapshots: SnapshotTexts | undefined): DecisionInput {
  checkVersion(o, where);
  const text = (): string => {
    const t = snapshots?.(id);
    if (t === undefined) throw new BacktestError('bad-record', `${where} names snapshot ${id}, which is not in decision_snapshots`);
    return t;
  };
  const what = `${where}: snapshot ${id}`;
  const stored = cache === null ? deserializeSnapshot(parseJson(text(), what), what) : cache.byId(id, text, what);
  return inputWith(o, withModel(asObject(o['policy'], `${where}.policy`) as unknown as Policy), withRecordPins(stored, o, where), where);
}

/**
 * A shared snapshot with the request's own job pin, which a record naming its snapshot keeps
 * beside the reference (`"jobPins"`, in a libSQL row or an NDJSON line): the snapshot as is without one.
 */
export function withRecordPins(stored: AppSnapshot, input: Record<string, unknown>, where: string): AppSnapshot {
  const pins = input['jobPins'];
  return pins === undefined ? stored : { ...stored, jobPins: new Map(asEntries<JobPin>(pins, `${where}.jobPins`)) };
}

/** The request's job pin as a record naming its snapshot carries it (none: `{}`). */
export function recordPins(snapshot: AppSnapshot): { readonly jobPins?: Array<[string, JobPin]> } {
  return snapshot.jobPins === undefined || snapshot.jobPins.size === 0 ? {} : { jobPins: [...snapshot.jobPins.entries()] };
}

/** A writer's `inputRecord` (its `input_json` and the snapshot row it names) read back as replay reads the row. */
export function parseInputRecord(rec: { readonly inputJson: string; readonly snapshot: { readonly id: string; readonly json: string } }, where: string, cache: SnapshotCache | null = null): DecisionInput {
  return parseInputJson(rec.inputJson, where, cache, (id) => (id === rec.snapshot.id ? rec.snapshot.json : undefined));
}

/** Pulls the `policy` of an `input_json`, either form, without resolving its snapshot (canary status). */
export function policyOfInputJson(text: string, where: string): Policy {
  const o = asObject(parseJson(text, where), where);
  checkVersion(o, where);
  return deserializePolicy(o['policy'], `${where}.policy`);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const EMPTY_SNAPSHOT_JSON = { app: {}, clusters: [], state: [], status: [], latency: [], loadedAt: 0 };

export function deserializeInput(raw: unknown, where = 'input'): DecisionInput {
  const o = asObject(raw, where);
  checkVersion(o, where);
  return inputWith(o, withModel(asObject(o['policy'], `${where}.policy`) as unknown as Policy), deserializeSnapshot(o['snapshot'], `${where}.snapshot`), where);
}

/**
 * An input object's own fields (version, request, now, seed, strategy state) with a policy and
 * snapshot the caller already has, e.g. parsed once for many records (`backtest/replay/ndjson.ts`).
 * `policy` must have come through `deserializePolicy`.
 */
export function inputWith(o: Record<string, unknown>, policy: Policy, snapshot: AppSnapshot, where: string): DecisionInput {
  checkVersion(o, where);
  const seed = o['seed'];
  if (typeof seed !== 'string') throw new BacktestError('bad-record', `${where}.seed must be a string`);
  const ss = o['strategyState'];
  let strategyState: StrategyState | undefined;
  if (ss !== undefined) {
    const so = asObject(ss, `${where}.strategyState`);
    strategyState = {
      roundRobinCursor: asNumber(so['roundRobinCursor'], `${where}.strategyState.roundRobinCursor`),
      outstanding: new Map(asEntries<number>(so['outstanding'], `${where}.strategyState.outstanding`)),
    };
  }
  const origin = originOf(o, where);
  return {
    ...(strategyState === undefined ? {} : { strategyState }),
    ...(origin === undefined ? {} : { origin }),
    request: asObject(o['request'], `${where}.request`) as unknown as RequestFacts,
    policy,
    now: asNumber(o['now'], `${where}.now`),
    seed,
    staleSnapshot: o['staleSnapshot'] === true,
    snapshot,
  };
}

/** The record's `scope`/`region`/`proxy` keys (record-json.ts writes them before `request`). */
function originOf(o: Record<string, unknown>, where: string): RecordOrigin | undefined {
  const { scope, region, proxy } = o;
  if (scope === undefined) return undefined;
  if (typeof scope !== 'string') throw new BacktestError('bad-record', `${where}.scope must be a string`);
  for (const [k, v] of [['region', region], ['proxy', proxy]] as const) {
    if (v !== undefined && typeof v !== 'string') throw new BacktestError('bad-record', `${where}.${k} must be a string`);
  }
  return {
    scope,
    ...(typeof region === 'string' ? { region } : {}),
    ...(typeof proxy === 'string' ? { proxy } : {}),
  };
}

/** A recorded policy object as replay uses it (old records get the model they were decided with). */
export function deserializePolicy(raw: unknown, where: string): Policy {
  return withModel(asObject(raw, where) as unknown as Policy);
}

function checkVersion(o: Record<string, unknown>, where: string): void {
  if (o['v'] !== RECORD_FORMAT_VERSION) {
    throw new BacktestError(
      'bad-record',
      `${where}.v is ${JSON.stringify(o['v'])}; this replay reads decision record format v${RECORD_FORMAT_VERSION}`,
    );
  }
}

/**
 * The `decisions` table row for a decision, so the Worker's logger and the
 * tests write exactly what replay reads.
 */
export function toDecisionRow(
  input: DecisionInput,
  decision: Decision,
  decisionUs: number | null = null,
): Record<string, string | number | null> {
  return {
    id: decision.id,
    at: decision.at,
    app_id: decision.appId,
    fn: decision.fn,
    synthetic: decision.synthetic ? 1 : 0,
    outcome: decision.outcome,
    chosen_cluster: decision.chosen,
    reason: decision.reason,
    policy_version: decision.policyVersion,
    seed: decision.seed,
    stale: decision.stale ? 1 : 0,
    decision_us: decisionUs,
    explanation_json: JSON.stringify(decision),
    input_json: JSON.stringify(serializeInput(input)),
  };
}

/**
 * The row as the edge and the proxy write it since migration 30 (shared/decision/record-json.ts
 * `inputRecord`): `input_json` names the snapshot, stored once as `snapshot` in `decision_snapshots`.
 */
export function toReferencedDecisionRow(
  input: DecisionInput,
  decision: Decision,
  decisionUs: number | null = null,
): { readonly row: Record<string, string | number | null>; readonly snapshot: SnapshotRow } {
  const ss = input.strategyState;
  const rec = inputRecord({
    request: input.request,
    policy: input.policy,
    now: input.now,
    seed: input.seed,
    staleSnapshot: input.staleSnapshot,
    ...(ss === undefined ? {} : { strategyState: { roundRobinCursor: ss.roundRobinCursor, outstanding: [...ss.outstanding.entries()] } }),
    snapshot: input.snapshot,
    ...(input.origin === undefined ? {} : { origin: Object.fromEntries(Object.entries(input.origin).filter((e): e is [string, string] => typeof e[1] === 'string')) }),
  });
  return { row: { ...toDecisionRow(input, decision, decisionUs), input_json: rec.inputJson, snapshot_id: rec.snapshot.id }, snapshot: rec.snapshot };
}

/** One NDJSON line (no trailing newline); `input` last so its snapshot text can be reused. */
export function recordToNdjsonLine(r: DecisionRecord): string {
  return JSON.stringify({
    v: RECORD_FORMAT_VERSION,
    decision: r.decision,
    outcomes: r.outcomes,
    input: serializeInput(r.input),
  });
}

const INPUT_KEY = ',"input":';

/** Parse one NDJSON line; `where` names file and line for the error message. */
export function recordFromNdjsonLine(line: string, where: string, cache: SnapshotCache | null = null): DecisionRecord {
  const i = cache === null ? -1 : line.indexOf(INPUT_KEY);
  if (cache !== null && i > 0 && line.endsWith('}')) {
    try {
      const head = JSON.parse(`${line.slice(0, i)}}`) as Record<string, unknown>;
      if (head['v'] !== undefined) checkVersion(head, where);
      return {
        input: parseInputJson(line.slice(i + INPUT_KEY.length, -1), `${where}: input`, cache),
        decision: asObject(head['decision'], `${where}: decision`) as unknown as Decision,
        outcomes: Array.isArray(head['outcomes']) ? (head['outcomes'] as OutcomeRecord[]) : [],
      };
    } catch (err) {
      if (err instanceof BacktestError) throw err;
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new BacktestError('bad-record', `${where}: not valid JSON (${(err as Error).message})`);
  }
  return recordFromObject(raw, where);
}

/** A record from a parsed NDJSON line (`{"v":1,"decision":…,"outcomes":…,"input":…}`, any key order). */
export function recordFromObject(raw: unknown, where: string): DecisionRecord {
  const o = asObject(raw, where);
  // A line's own format version (the input's is checked with it): a newer writer's line is refused, not read as v1.
  if (o['v'] !== undefined) checkVersion(o, where);
  return {
    input: deserializeInput(o['input'], `${where}: input`),
    decision: asObject(o['decision'], `${where}: decision`) as unknown as Decision,
    outcomes: Array.isArray(o['outcomes']) ? (o['outcomes'] as OutcomeRecord[]) : [],
  };
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BacktestError('bad-record', `${where} must be a JSON object`);
  }
  return v as Record<string, unknown>;
}

function asNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new BacktestError('bad-record', `${where} must be a finite number`);
  }
  return v;
}

function asEntries<T>(v: unknown, where: string): Array<[string, T]> {
  if (!Array.isArray(v)) throw new BacktestError('bad-record', `${where} must be an array of [key, value] entries`);
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') {
      throw new BacktestError('bad-record', `${where} must be an array of [key, value] entries`);
    }
  }
  return v as Array<[string, T]>;
}
