/**
 * Picks an app's route for one request: compiled once per snapshot (regexes, the intent
 * classifier trained from the examples), then matched in order per request. Pure.
 */
import type { RE2JS } from 're2js';
import { compileFunctionAllowList, type FunctionMatcher } from '../http/function-allow-list.ts';
import { compileGlobs } from './glob-match.ts';
import { compileRouteRegex } from './route-regex.ts';
import { trainIntentClassifier, type Classification, type IntentClassifier } from './intent-classifier.ts';
import type { AppRoutes, Route, RouteNote } from './types.ts';

/** What the matcher may know of a request. */
export interface RouteInput {
  readonly fn: string;
  readonly header: (name: string) => string | null;
  /** The body's `model`, or the one the client declared (token mode); null = unknown. */
  readonly model: string | null;
  /** The rendered prompt; null when it was not read (see `promptState`). */
  readonly prompt: string | null;
  readonly promptState?: 'absent' | 'over-cap' | 'not-json';
  /** A route the client named (`x-switchyard-route` / `sy_route`); null = match. */
  readonly declared: string | null;
}

export type RouteMatch =
  | { readonly ok: true; readonly route: Route | null; readonly note: RouteNote }
  | { readonly ok: false; readonly unknownRoute: string; readonly known: readonly string[] };

interface CompiledRoute {
  readonly route: Route;
  readonly models: ((model: string) => boolean) | null;
  readonly paths: FunctionMatcher | null;
  readonly headers: readonly (readonly [string, (value: string) => boolean])[];
  readonly keywords: RegExp | null;
  /** RE2 (linear time): a tenant's pattern on a client's prompt must never backtrack. */
  readonly regex: readonly RE2JS[];
}

export interface CompiledRoutes {
  readonly routes: readonly CompiledRoute[];
  readonly classifier: IntentClassifier | null;
  /** Whether any route looks at the prompt or the model (else the edge never reads a body). */
  readonly readsBody: boolean;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole words: a keyword is not found inside a longer word ("def" is not in "default"). */
function keywordRegex(words: readonly string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map(escape).join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
}

/** Compiles an app's routes; call once per snapshot (the classifier is trained here). */
export function compileRoutes(app: AppRoutes): CompiledRoutes {
  const routes = app.routes.map((route): CompiledRoute => {
    const w = route.when;
    return {
      route,
      models: w.models === undefined ? null : compileGlobs(w.models),
      paths: w.paths === undefined ? null : compileFunctionAllowList(w.paths),
      headers: Object.entries(w.headers ?? {}).map(([name, value]) => [name, compileGlobs([value])] as const),
      keywords: w.keywords === undefined ? null : keywordRegex(w.keywords),
      regex: (w.regex ?? []).map(compileRouteRegex),
    };
  });
  const usesIntent = app.routes.some((r) => r.when.intent !== undefined);
  const readsBody = app.routes.some((r) => r.when.models !== undefined || r.when.keywords !== undefined || r.when.regex !== undefined || r.when.intent !== undefined);
  return { routes, classifier: usesIntent ? trainIntentClassifier(app.intents) : null, readsBody };
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}

/**
 * The reasons the route's conditions hold, or null when one fails. `classify` runs the
 * classifier at most once per request (shared by every route that asks for an intent).
 */
function holds(c: CompiledRoute, input: RouteInput, classify: () => Classification | null): string[] | null {
  const why: string[] = [];
  if (c.models !== null) {
    if (input.model === null || !c.models(input.model)) return null;
    why.push(`model ${shownModel(input.model)}`);
  }
  if (c.paths !== null) {
    if (!c.paths(input.fn)) return null;
    why.push(`path ${input.fn}`);
  }
  for (const [name, re] of c.headers) {
    const v = input.header(name);
    if (v === null || !re(v)) return null;
    why.push(`header ${name}`);
  }
  if (c.keywords !== null) {
    const m = input.prompt === null ? null : c.keywords.exec(input.prompt);
    if (m === null) return null;
    why.push(`keyword "${m[0].toLowerCase()}"`);
  }
  if (c.regex.length > 0) {
    const i = input.prompt === null ? -1 : c.regex.findIndex((re) => re.test(input.prompt ?? ''));
    if (i < 0) return null;
    why.push(`regex ${c.route.when.regex?.[i] ?? ''}`);
  }
  const intent = c.route.when.intent;
  if (intent !== undefined) {
    const result = classify();
    const score = result?.scores[intent] ?? 0;
    if (result === null || result.label !== intent || score < (c.route.when.minScore ?? 0)) return null;
    why.push(`intent ${intent} ${round(score)}`);
  }
  return why;
}

/** Models longer than this are named by their start and length in a route's why. */
const MODEL_SHOWN_CHARS = 64;

/**
 * The client's model as a route's why names it. It is client data (the body's, or a header of any
 * length) and the why goes into every decision record, held in a buffer all tenants share: a glob
 * like `coder-*` matched a 60 KB model and put all of it there.
 */
function shownModel(model: string): string {
  return model.length <= MODEL_SHOWN_CHARS ? model : `${model.slice(0, MODEL_SHOWN_CHARS)}… (${model.length} characters)`;
}

/** The first route whose conditions all hold (or the declared one), with why. */
export function matchRoute(compiled: CompiledRoutes, input: RouteInput): RouteMatch {
  const promptNote = input.promptState === undefined ? {} : { prompt: input.promptState };
  if (input.declared !== null) {
    const c = compiled.routes.find((r) => r.route.name === input.declared);
    if (c === undefined) return { ok: false, unknownRoute: input.declared, known: compiled.routes.map((r) => r.route.name) };
    return { ok: true, route: c.route, note: { route: c.route.name, target: c.route.target, reason: 'declared', why: ['declared by the client'], ...promptNote } };
  }
  let classified: Classification | null | undefined;
  const classify = (): Classification | null => {
    if (classified === undefined) classified = compiled.classifier === null || input.prompt === null ? null : compiled.classifier.classify(input.prompt);
    return classified;
  };
  for (const c of compiled.routes) {
    const why = holds(c, input, classify);
    if (why === null) continue;
    const scores = classified == null ? {} : { scores: classified.scores };
    return { ok: true, route: c.route, note: { route: c.route.name, target: c.route.target, reason: 'matched', why: why.length === 0 ? ['catch-all'] : why, ...scores, ...promptNote } };
  }
  const scores = classified == null ? {} : { scores: classified.scores };
  return { ok: true, route: null, note: { route: null, target: null, reason: 'none', why: [], ...scores, ...promptNote } };
}
