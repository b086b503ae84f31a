/**
 * Per-app LLM token budgets at the proxy (issue 18 item 4). Admission reads the JSON body of a
 * budgeted app, estimates the prompt (characters / 4) and the completion (max_tokens, else the
 * budget's default), reserves that, and refuses with 429 + Retry-After + x-ratelimit-* headers
 * when not one completion token fits. A request asking for more than is left has its max_tokens
 * lowered, so the engine itself stops at the budget and reports the exact usage. Streams get
 * `stream_options.include_usage` (its chunk stripped when the client did not ask); the answer
 * settles to the engine's usage. Apps without a budget never reach this module's body reading.
 * Arithmetic: shared/limits/token-budget.ts; SSE handling: shared/limits/sse-usage.ts.
 */
import { StringDecoder } from 'node:string_decoder';
import { genAiUsageFromTail } from '../../shared/tracing/genai.ts';
import type { TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';
import { SseUsageFilter } from '../../shared/limits/sse-usage.ts';
import {
  admit,
  draw,
  headroom,
  headroomHeaders,
  newBudgetState,
  roll,
  settle,
  type BudgetState,
  type TokenCount,
} from '../../shared/limits/token-budget.ts';
import { declaredLength, refuseBody } from './body-limit.ts';
import { sendError, type ClientRequest, type ClientResponse } from './client-io.ts';
import { ProxyError } from './errors.ts';
import { readPromptBody, type PromptBody } from './replica-prompt.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyStore, TokenSpendRow } from './store.ts';
import type { EndpointRegistry } from './endpoint-registry.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { BodySink, UpstreamResponse } from './upstream-call.ts';

/** Characters per prompt token for the admission estimate (English text ≈ 4); settled to usage. */
const CHARS_PER_TOKEN = 4;
/** Bytes of a non-streaming answer's end searched for its `usage` object. */
const TAIL_BYTES = 8 * 1024;

interface AppBudget {
  budget: TokenBudget;
  state: BudgetState;
}

/** Every budgeted app's state on this proxy. */
export class TokenBudgets {
  private readonly apps = new Map<string, AppBudget>();

  constructor(private readonly now: () => number) {}

  /** The app's state under its current budget (a changed budget keeps what was used). */
  of(appId: string, budget: TokenBudget): AppBudget {
    let a = this.apps.get(appId);
    if (a === undefined) {
      a = { budget, state: newBudgetState(budget, this.now()) };
      this.apps.set(appId, a);
    }
    a.budget = budget;
    return a;
  }

  /**
   * Share spend with the other proxies through libSQL: write this proxy's spend per budgeted app
   * and period, take the others' for the same period (README "Token budgets", bound).
   */
  async syncSpend(
    budgeted: ReadonlyArray<readonly [string, TokenBudget]>,
    sync: (rows: readonly TokenSpendRow[]) => Promise<TokenSpendRow[]>,
  ): Promise<void> {
    const now = this.now();
    // Every app with a spend budget, served here yet or not: its first request sees the others' spend.
    for (const [appId, b] of budgeted) if (b.spend !== null) this.of(appId, b);
    const rows: TokenSpendRow[] = [];
    for (const [appId, a] of this.apps) {
      if (a.budget.spend === null) continue;
      roll(a.state, a.budget, now);
      rows.push({ appId, periodStart: a.state.periodStart, usd: a.state.spentUsd });
    }
    if (rows.length === 0) return;
    const others = await sync(rows);
    for (const [appId, a] of this.apps) {
      const same = others.filter((o) => o.appId === appId && o.periodStart === a.state.periodStart);
      a.state.othersUsd = same.reduce((s, o) => s + o.usd, 0);
    }
  }

  headers(a: AppBudget): Record<string, string> {
    return headroomHeaders(headroom(a.state, a.budget, this.now()));
  }
}

interface ParsedBody {
  readonly json: Record<string, unknown> | null;
  readonly promptTokens: number;
  readonly maxCompletion: number | null;
  readonly stream: boolean;
  readonly askedUsage: boolean;
}

function parseBody(bytes: Buffer): ParsedBody {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    v = null;
  }
  const json = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  const text = json === null ? null : renderPrompt(json);
  const promptTokens = Math.max(1, Math.ceil((text?.length ?? bytes.length) / CHARS_PER_TOKEN));
  const int = (k: string): number | null => {
    const n = json?.[k];
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
  };
  const opts = json?.['stream_options'];
  return {
    json,
    promptTokens,
    maxCompletion: int('max_completion_tokens') ?? int('max_tokens'),
    stream: json?.['stream'] === true,
    askedUsage: typeof opts === 'object' && opts !== null && (opts as { include_usage?: unknown }).include_usage === true,
  };
}

/** The body the engine gets: usage asked for on streams, max_tokens lowered to the cap. */
function rewrite(p: ParsedBody, bytes: Buffer, cap: number | null): Buffer {
  const json = p.json;
  if (json === null || ((!p.stream || p.askedUsage) && cap === null)) return bytes;
  const out: Record<string, unknown> = { ...json };
  if (p.stream && !p.askedUsage) {
    const opts = json['stream_options'];
    out['stream_options'] = { ...(typeof opts === 'object' && opts !== null ? opts : {}), include_usage: true };
  }
  if (cap !== null) {
    if (json['max_completion_tokens'] !== undefined) out['max_completion_tokens'] = cap;
    if (json['max_tokens'] !== undefined) out['max_tokens'] = cap;
  }
  return Buffer.from(JSON.stringify(out));
}

/**
 * Admission for a budgeted app: a meter for the exchange, `pass` for what has no body to meter
 * (GET …), or `answered` after answering the client (a 429, a 411, a body that did not arrive).
 * Not called for apps without a budget.
 */
export async function meterRequest(
  rt: ProxyRuntime,
  req: ClientRequest,
  res: ClientResponse,
  target: RequestTarget,
  budget: TokenBudget,
): Promise<TokenMeter | 'pass' | 'answered'> {
  if (req.method !== 'POST') return 'pass';
  if (declaredLength(req.headers) === null) {
    const body = refuseBody(req, res);
    sendError(res, new ProxyError('length-required', 411, `${target.appId} has a token budget: send the request body with a Content-Length`), body.headers);
    body.afterResponse();
    return 'answered';
  }
  let prompt: PromptBody;
  try {
    prompt = await readPromptBody(rt, req);
  } catch (err) {
    if (!(err instanceof ProxyError)) throw err;
    sendError(res, err, 'stream' in res ? {} : { connection: 'close' });
    return 'answered';
  }
  const p = parseBody(prompt.bytes);
  const app = rt.tokenBudgets.of(target.appId, budget);
  const verdict = admit(app.state, budget, rt.now(), p.promptTokens, p.maxCompletion);
  if (!verdict.ok) {
    rt.metrics.budgetRefusals.inc({ app: target.appId, reason: verdict.reason });
    const what = verdict.reason === 'tokens' ? 'tokens per minute' : `spend per ${budget.spend?.period ?? 'period'}`;
    const err = new ProxyError(
      verdict.reason === 'tokens' ? 'token-budget-exceeded' : 'spend-budget-exceeded',
      429,
      `${target.appId} is over its ${what} budget; retry after ${verdict.retryAfterS}s`,
      false,
      verdict.retryAfterS,
    );
    sendError(res, err, rt.tokenBudgets.headers(app));
    return 'answered';
  }
  const inferenceAware = rt.registry.routing(target.appId).strategy === 'inference-aware';
  const body = { bytes: rewrite(p, prompt.bytes, verdict.completionCap), hashes: inferenceAware ? prompt.hashes : null };
  return new TokenMeter(rt, target.appId, app, body, p, verdict.reserved, verdict.completionCap);
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
    private readonly app: AppBudget,
    readonly body: PromptBody,
    private readonly parsed: ParsedBody,
    private readonly reserved: TokenCount,
    private readonly cap: number | null,
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
        draw: () => draw(this.app.state, this.app.budget, this.rt.now(), 1),
        cutMessage: `${this.appId} reached its token budget; the stream was cut there`,
      });
    }
    return this;
  }

  get statusCode(): number {
    return this.up?.statusCode ?? 0;
  }

  get headers(): UpstreamResponse['headers'] {
    const h = { ...this.up?.headers, ...this.rt.tokenBudgets.headers(this.app) };
    // A filtered stream's length changes (it is chunked anyway).
    if (this.filter !== null) delete h['content-length'];
    return h;
  }

  get bodyArrived(): boolean {
    return this.up?.bodyArrived ?? false;
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
    settle(this.app.state, this.app.budget, taken, used);
    this.rt.metrics.budgetTokens.inc({ app: this.appId, type: 'prompt' }, used.prompt);
    this.rt.metrics.budgetTokens.inc({ app: this.appId, type: 'completion' }, used.completion);
  }
}

/** Every `limitLeaseIntervalMs`, when the store can: share spend (`TokenBudgets.syncSpend`). Null without libSQL. */
export function startSpendSync(
  rt: ProxyRuntime,
  store: ProxyStore | null,
  registry: EndpointRegistry,
  onError: (err: unknown) => void,
): NodeJS.Timeout | null {
  const sync = store?.syncTokenSpend?.bind(store);
  if (sync === undefined) return null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    const budgeted = registry.appIds().flatMap((id) => {
      const b = registry.routing(id).requests.tokenBudget;
      return b?.spend == null ? [] : [[id, b] as const];
    });
    if (budgeted.length === 0) return;
    busy = true;
    rt.tokenBudgets
      .syncSpend(budgeted, (rows) => sync(rt.config.id, rows, rt.now()))
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, rt.config.limitLeaseIntervalMs);
  timer.unref();
  return timer;
}
