/**
 * LLM token budgets of apps and projects at the proxy (issue 18 item 4). Admission reads the JSON body of a
 * budgeted app, estimates the prompt (characters / 4) and the completion (max_tokens, else the
 * budget's default), reserves that, and refuses with 429 + Retry-After + x-ratelimit-* headers
 * when not one completion token fits. A request asking for more than is left has its max_tokens
 * lowered, so the engine itself stops at the budget and reports the exact usage. Streams get
 * `stream_options.include_usage` (its chunk stripped when the client did not ask); the answer
 * settles to the engine's usage. Apps without a budget never reach this module's body reading.
 * A project's budget (all its apps together) applies next to the app's: both ledgers must pass.
 * Shared tokens per minute are this proxy's lease (token-leases.ts); spend is shared by sync.
 * Arithmetic: shared/limits/token-budget.ts; SSE handling: shared/limits/sse-usage.ts.
 */
import { StringDecoder } from 'node:string_decoder';
import { genAiUsageFromTail } from '../../shared/tracing/genai.ts';
import type { TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { SseUsageFilter } from '../../shared/limits/sse-usage.ts';
import {
  admitAll,
  drawAll,
  headroom,
  headroomHeaders,
  newBudgetState,
  roll,
  settle,
  type BudgetState,
  type Ledger,
  type TokenCount,
} from '../../shared/limits/token-budget.ts';
import { declaredLength, refuseBody } from './body-limit.ts';
import { sendError, type ClientRequest, type ClientResponse } from './client-io.ts';
import { ProxyError } from './errors.ts';
import { readDeclaredBody, type PromptBody } from './replica-prompt.ts';
import { asBuffer, TOO_DEEP, type BodyFacts } from './budgeted-body.ts';
import type { RequestTrace } from './tracing-request.ts';
import { promptBodyInvalid, saltKey, saltsPromptCache } from './prompt-cache-isolation.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyStore, TokenSpendRow } from './store.ts';
import type { EndpointRegistry } from './endpoint-registry.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { BodySink, UpstreamResponse } from './upstream-call.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';

/** Bytes of a non-streaming answer's end searched for its `usage` object. */
const TAIL_BYTES = 8 * 1024;

/** One budget's state on this proxy: an app's (`key` = app id) or a project's (`project:<id>`). */
export interface BudgetEntry {
  readonly key: string;
  readonly kind: 'app' | 'project';
  /** The app or project id, as 429 messages name it. */
  readonly name: string;
  budget: TokenBudget;
  readonly state: BudgetState;
}

/** What a request must pass: its app's budget and/or its project's (both apply). */
export interface RequestBudgets {
  readonly app: TokenBudget | null;
  readonly project: TokenBudget | null;
}

/** Share of a shared tokens-per-minute budget (token-leases.ts) and what to tell it. */
export interface TokenShares {
  share(key: string, budget: TokenBudget, now: number): number | null;
  observe(key: string, tokens: number): void;
}

export const projectBudgetKey = (projectId: string): string => `project:${projectId}`;

/** Every budget's state on this proxy. */
export class TokenBudgets {
  private readonly entries = new Map<string, BudgetEntry>();
  private shares: TokenShares | null = null;

  constructor(private readonly now: () => number) {}

  /** Shared tokens per minute from now on (without: each proxy counts the whole budget). */
  useShares(shares: TokenShares): void {
    this.shares = shares;
  }

  /** The budget's state under its current config (a changed budget keeps what was used). */
  of(key: string, kind: BudgetEntry['kind'], name: string, budget: TokenBudget): BudgetEntry {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { key, kind, name, budget, state: newBudgetState(this.enforced(key, budget, this.now()), this.now()) };
      this.entries.set(key, e);
    }
    e.budget = budget;
    return e;
  }

  /** The entries a request of `appId` must pass, the app's first. */
  entriesOf(appId: string, b: RequestBudgets): BudgetEntry[] {
    const out: BudgetEntry[] = [];
    if (b.app !== null) out.push(this.of(appId, 'app', appId, b.app));
    const projectId = projectOfAppId(appId);
    if (b.project !== null) out.push(this.of(projectBudgetKey(projectId), 'project', projectId, b.project));
    return out;
  }

  /** A budget as this proxy enforces it now: tokens per minute = its share of a shared budget. */
  enforced(key: string, budget: TokenBudget, now: number): TokenBudget {
    const share = this.shares?.share(key, budget, now) ?? budget.tokensPerMinute;
    return share === budget.tokensPerMinute ? budget : { ...budget, tokensPerMinute: share };
  }

  ledgers(entries: readonly BudgetEntry[], now: number): Ledger[] {
    return entries.map((e) => ({ state: e.state, budget: this.enforced(e.key, e.budget, now) }));
  }

  /** Tokens taken (or refused) under each entry: the want of its next lease renewal. */
  observe(entries: readonly BudgetEntry[], tokens: number): void {
    for (const e of entries) this.shares?.observe(e.key, tokens);
  }

  /** A lease shrank to `claim` tokens per minute: the bucket never holds more than its share. */
  clamp(key: string, claim: number): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.state.tokens = Math.min(e.state.tokens, claim);
  }

  /**
   * Share spend with the other proxies through libSQL: write this proxy's spend per budget (app
   * or project) and period, take the others' for the same period (README "Token budgets", bound).
   */
  async syncSpend(
    budgeted: ReadonlyArray<readonly [string, BudgetEntry['kind'], TokenBudget]>,
    sync: (rows: readonly TokenSpendRow[]) => Promise<TokenSpendRow[]>,
  ): Promise<void> {
    const now = this.now();
    // Every budget with spend, used here yet or not: its first request sees the others' spend.
    for (const [key, kind, b] of budgeted) if (b.spend !== null) this.of(key, kind, key.replace(/^project:/, ''), b);
    const rows: TokenSpendRow[] = [];
    for (const [key, e] of this.entries) {
      if (e.budget.spend === null) continue;
      roll(e.state, this.enforced(key, e.budget, now), now);
      rows.push({ appId: key, periodStart: e.state.periodStart, usd: e.state.spentUsd });
    }
    if (rows.length === 0) return;
    const others = await sync(rows);
    for (const [key, e] of this.entries) {
      const same = others.filter((o) => o.appId === key && o.periodStart === e.state.periodStart);
      e.state.othersUsd = same.reduce((n, o) => n + o.usd, 0);
    }
  }

  headers(entries: readonly BudgetEntry[]): Record<string, string> {
    const now = this.now();
    const out: Record<string, string> = {};
    for (const e of entries) {
      const h = headroom(e.state, this.enforced(e.key, e.budget, now), now, e.budget.tokensPerMinute);
      Object.assign(out, headroomHeaders(h, e.kind === 'project' ? 'project-' : ''));
    }
    return out;
  }
}

/**
 * Admission for a budgeted app (its own budget and/or its project's): a meter for the exchange,
 * `pass` for what has no body to meter (GET …), or `answered` after answering the client (a 429,
 * a 411, a body that did not arrive). Not called for apps without any budget.
 */
export async function meterRequest(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  target: RequestTarget,
  budgets: RequestBudgets,
  trace: RequestTrace | null = null,
): Promise<TokenMeter | 'pass' | 'answered'> {
  if (req.method !== 'POST') return 'pass';
  if (declaredLength(req.headers) === null) {
    const body = refuseBody(req, res);
    const whose = budgets.app !== null ? target.appId : `the project of ${target.appId}`;
    sendError(res, new ProxyError('length-required', 411, `${whose} has a token budget: send the request body with a Content-Length`), body.headers);
    body.afterResponse();
    return 'answered';
  }
  let bytes: Buffer;
  try {
    bytes = await readDeclaredBody(req);
  } catch (err) {
    if (!(err instanceof ProxyError)) throw err;
    sendError(res, err, 'stream' in res ? {} : { connection: 'close' });
    return 'answered';
  }
  // Traced as the client sent it, before any rewrite (the project's salt, usage asked, a cap).
  trace?.requestChunk(bytes);
  trace?.requestEnded();
  // Parsed once (on the parse thread if large: body-parser.ts): the budget's count and, for an
  // inference-aware app, the prompt's block hashes.
  const inferenceAware = rt.registry.routing(target.appId).strategy === 'inference-aware';
  const hashing = inferenceAware ? { blockChars: rt.config.prefixBlockChars, appId: target.appId } : null;
  const salt = saltsPromptCache(rt, req, target.appId) ? saltKey(rt, target) : null;
  const parsed = await rt.bodyParser.run(target.project, { op: 'budgeted', bytes, hashing, salt });
  if (parsed.refusal !== null) {
    sendError(res, parsed.refusal === TOO_DEEP ? tooDeep() : promptBodyInvalid(parsed.refusal));
    return 'answered';
  }
  const p = parsed.facts;
  const entries = rt.tokenBudgets.entriesOf(target.appId, budgets);
  const now = rt.now();
  const verdict = admitAll(rt.tokenBudgets.ledgers(entries, now), now, p.promptTokens, p.maxCompletion);
  if (!verdict.ok) {
    rt.tokenBudgets.observe(entries, p.promptTokens + (p.maxCompletion ?? 1));
    const e = entries[verdict.index] ?? entries[0];
    if (e !== undefined) sendError(res, budgetRefusal(e, verdict), { ...rt.tokenBudgets.headers(entries), 'x-ratelimit-budget': `${e.kind} ${e.name}` });
    rt.metrics.budgetRefusals.inc({ app: target.appId, reason: e?.kind === 'project' ? `project-${verdict.reason}` : verdict.reason });
    return 'answered';
  }
  rt.tokenBudgets.observe(entries, verdict.reserved.prompt + verdict.reserved.completion);
  const cap = verdict.completionCap;
  const sent = cap === null ? parsed.bytes : await rt.bodyParser.run(target.project, { op: 'capped', bytes: parsed.bytes, cap });
  const body = { bytes: asBuffer(sent ?? parsed.bytes), hashes: parsed.hashes };
  const meter = new TokenMeter(rt, target.appId, entries, body, p, verdict.reserved, verdict.completionCap, verdict.tightest);
  if (sent !== null) return meter;
  meter.settle(); // nothing went upstream: the reservation is given back whole
  sendError(res, tooDeep());
  return 'answered';
}

/** A body that must be rewritten (usage asked for, max_tokens capped) and cannot be: the client's 400. */
function tooDeep(): ProxyError {
  return new ProxyError('body-too-deep', 400, TOO_DEEP);
}

/** The 429 naming the budget that ran out: the app's (`token-`/`spend-budget-exceeded`) or its project's. */
function budgetRefusal(e: BudgetEntry, v: { readonly reason: 'tokens' | 'spend'; readonly retryAfterS: number }): ProxyError {
  const what = v.reason === 'tokens' ? 'tokens per minute' : `spend per ${e.budget.spend?.period ?? 'period'}`;
  const code = `${e.kind === 'project' ? 'project-' : ''}${v.reason === 'tokens' ? 'token' : 'spend'}-budget-exceeded`;
  const who = e.kind === 'project' ? `project ${e.name}` : e.name;
  return new ProxyError(code, 429, `${who} is over its ${what} budget; retry after ${v.retryAfterS}s`, false, v.retryAfterS);
}

/**
 * One budgeted exchange: the body to send, the reservation, and the answer's watcher. `settle`
 * runs exactly once, whether or not an answer was delivered (a failed attempt refunds it all).
 */
export class TokenMeter implements UpstreamResponse, BodySink {
  private up: UpstreamResponse | null = null;
  private sink: BodySink | null = null;
  private filter: SseUsageFilter | null = null;
  private readonly decoder = new StringDecoder('utf8');
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private settled = false;
  private ended = false;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly appId: string,
    private readonly entries: readonly BudgetEntry[],
    readonly body: PromptBody,
    private readonly parsed: BodyFacts,
    private readonly reserved: TokenCount,
    private readonly cap: number | null,
    /** Index in `entries` of the budget that ends this answer (its cap, else the draw that failed). */
    private cutBy: number,
  ) {}

  /** Watch (and for SSE, filter) the delivered answer; a 2xx only — an error answer passes untouched. */
  wrap(up: UpstreamResponse): UpstreamResponse {
    if (up.statusCode < 200 || up.statusCode >= 300) return up;
    this.up = up;
    if (String(up.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream')) {
      this.filter = new SseUsageFilter({
        clientAskedUsage: this.parsed.askedUsage,
        completionCap: this.cap,
        reservedCompletion: this.reserved.completion,
        draw: () => this.drawOne(),
        cutMessage: () => {
          const e = this.entries[this.cutBy];
          const who = e === undefined || e.kind === 'app' ? this.appId : `project ${e.name}`;
          return `${who} reached its token budget; the stream was cut there`;
        },
      });
    }
    return this;
  }

  get statusCode(): number {
    return this.up?.statusCode ?? 0;
  }

  get headers(): UpstreamResponse['headers'] {
    const h = { ...this.up?.headers, ...this.rt.tokenBudgets.headers(this.entries) };
    // A filtered stream's length changes (it is chunked anyway).
    if (this.filter !== null) delete h['content-length'];
    return h;
  }

  get bodyArrived(): boolean {
    return this.up?.bodyArrived ?? false;
  }

  headWritten(): void {
    this.up?.headWritten();
  }

  pipe(sink: BodySink): void {
    this.sink = sink;
    this.up?.pipe(this);
  }

  resume(): void {
    this.up?.resume();
  }

  abort(reason: Error): void {
    this.up?.abort(reason);
  }

  data(chunk: Buffer): boolean {
    const sink = this.sink;
    if (sink === null || this.ended) return true;
    if (this.filter === null) {
      this.keepTail(chunk);
      return sink.data(chunk);
    }
    const r = this.filter.push(this.decoder.write(chunk));
    const ok = r.out === '' ? true : sink.data(Buffer.from(r.out));
    if (!r.cut) return ok;
    // Budget spent mid-stream: the client's stream ends with the error event; the engine stops.
    this.ended = true;
    this.rt.metrics.budgetCuts.inc({ app: this.appId });
    sink.end();
    this.up?.abort(new Error('token budget reached'));
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.filter !== null) {
      const out = this.filter.push(this.decoder.end()).out + this.filter.end();
      if (this.filter.cutAtBudget) this.rt.metrics.budgetCuts.inc({ app: this.appId });
      if (out !== '') this.sink?.data(Buffer.from(out));
    }
    this.sink?.end();
  }

  error(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.error(err);
  }

  /** One completion token past the reservation from every budget; false = cut the stream here. */
  private drawOne(): boolean {
    const now = this.rt.now();
    const short = drawAll(this.rt.tokenBudgets.ledgers(this.entries, now), now, 1);
    this.rt.tokenBudgets.observe(this.entries, 1);
    if (short >= 0) this.cutBy = short;
    return short < 0;
  }

  private keepTail(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= TAIL_BYTES) this.tailBytes -= this.tail.shift()?.length ?? 0;
  }

  /** What the answer used: the engine's usage when it said, else the estimate and the count. */
  used(): TokenCount {
    if (this.up === null) return { prompt: 0, completion: 0 };
    const f = this.filter;
    if (f !== null) return f.usage ?? { prompt: this.reserved.prompt, completion: f.counted };
    const u = genAiUsageFromTail(Buffer.concat(this.tail).toString('utf8'));
    // A JSON answer without usage: the reservation stands (nothing better is known).
    return u === null ? this.reserved : { prompt: u.inputTokens, completion: u.outputTokens };
  }

  /** Once, when the exchange is over: replace the reservation (and draws) by what was used. */
  settle(): void {
    if (this.settled) return;
    this.settled = true;
    const used = this.used();
    const taken = { prompt: this.reserved.prompt, completion: this.reserved.completion + (this.filter?.drawn ?? 0) };
    const now = this.rt.now();
    for (const l of this.rt.tokenBudgets.ledgers(this.entries, now)) settle(l.state, l.budget, taken, used);
    this.rt.metrics.budgetTokens.inc({ app: this.appId, type: 'prompt' }, used.prompt);
    this.rt.metrics.budgetTokens.inc({ app: this.appId, type: 'completion' }, used.completion);
  }
}

/**
 * The budgets a request of `appId` must pass: its own (`requests.tokenBudget`) and its project's.
 * A project's budget does not meter apps with managed streams (heartbeats/continuation splice
 * their own events; an app budget cannot be combined with them either).
 */
export function requestBudgets(registry: EndpointRegistry, appId: string): RequestBudgets {
  const r = registry.routing(appId);
  const managed = r.requests.streams.heartbeats || r.requests.streams.continuation;
  return { app: r.requests.tokenBudget, project: managed ? null : r.projectBudget };
}

/** Every budget this proxy knows, keyed as TokenBudgets keys them (app id, `project:<id>`). */
export function budgetKeys(registry: EndpointRegistry): Array<readonly [string, BudgetEntry['kind'], TokenBudget]> {
  const out = new Map<string, readonly [string, BudgetEntry['kind'], TokenBudget]>();
  for (const id of registry.appIds()) {
    const b = requestBudgets(registry, id);
    if (b.app !== null) out.set(id, [id, 'app', b.app]);
    const key = projectBudgetKey(projectOfAppId(id));
    if (b.project !== null) out.set(key, [key, 'project', b.project]);
  }
  return [...out.values()];
}

/**
 * Every `limitLeaseIntervalMs`, when the store can: share spend (`TokenBudgets.syncSpend`) under
 * `holderId` (the proxy id; `<id>#<index>` for a worker of several). Null without libSQL.
 */
export function startSpendSync(
  rt: ProxyRuntime,
  store: ProxyStore | null,
  registry: EndpointRegistry,
  holderId: string,
  onError: (err: unknown) => void,
): NodeJS.Timeout | null {
  const sync = store?.syncTokenSpend?.bind(store);
  if (sync === undefined) return null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    const budgeted = budgetKeys(registry).filter(([, , b]) => b.spend !== null);
    if (budgeted.length === 0) return;
    busy = true;
    rt.tokenBudgets
      .syncSpend(budgeted, (rows) => sync(holderId, rows, rt.now()))
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, rt.config.limitLeaseIntervalMs);
  timer.unref();
  return timer;
}
