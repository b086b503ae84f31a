/**
 * One reading of an app's `routes` and `intents` for every layer: the config parser reports
 * the problems with file positions, the snapshot parser rejects a bad stored row. Absent both
 * = NO_ROUTES, so apps (and rows) from before routes existed behave exactly as before.
 */
import { functionPatternProblem } from '../domain/request-rules.ts';
import { STRATEGIES, type AppLimits, type StrategyName } from '../domain/types.ts';
import { NO_ROUTES, type AppRoutes, type Route, type RouteConditions } from './types.ts';
import { isHeaderName } from '../http/header-name.ts';
import { routeRegexProblem } from './route-regex.ts';

export interface RoutesProblem {
  /** Key path from the app (`['routes', 1, 'when', 'regex', 0]`). */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type RoutesResult =
  | { readonly ok: true; readonly routes: AppRoutes }
  | { readonly ok: false; readonly problems: readonly RoutesProblem[] };

type Path = readonly (string | number)[];
type Report = (path: Path, message: string) => void;

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const WHEN_KEYS = ['models', 'paths', 'headers', 'keywords', 'regex', 'intent', 'minScore'];
const ROUTE_KEYS = ['name', 'when', 'target', 'clusters', 'limits', 'strategy'];
/** Examples per intent needed for a classifier worth trusting; fewer is a config error. */
export const MIN_EXAMPLES = 5;

/**
 * Bounds on what one app's routes make the edge do per request and per snapshot: its requests
 * share an isolate's thread with every other tenant's (64 keywords or 8 regexes over a 64 KiB
 * prompt cost ~3 ms and ~2 ms each; 4,096 keywords cost 4 s), and every intent example is
 * trained on at load.
 */
export const ROUTE_LIMITS = {
  routes: 32,
  /** Per route: model globs, header conditions. */
  globs: 32,
  globChars: 256,
  /** Per app, over all its routes. */
  keywords: 64,
  keywordChars: 64,
  regexes: 8,
  regexChars: 256,
  intents: 16,
  examplesPerIntent: 100,
  exampleChars: 1_000,
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(raw: Record<string, unknown>, known: readonly string[], at: Path, report: Report): void {
  for (const k of Object.keys(raw)) if (!known.includes(k)) report([...at, k], `unknown field '${k}' (known: ${known.join(', ')})`);
}

function strings(v: unknown, at: Path, report: Report, check?: (s: string) => string | null): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0) {
    report(at, 'must be a non-empty list of strings');
    return undefined;
  }
  v.forEach((s: unknown, i) => {
    const problem = typeof s !== 'string' || s === '' ? 'must be a non-empty string' : (check?.(s) ?? null);
    if (problem !== null) report([...at, i], problem);
  });
  return v as string[];
}

function longerThan(max: number, what: string): (s: string) => string | null {
  return (s) => (s.length > max ? `${what} is at most ${max} characters (got ${s.length})` : null);
}

function regexProblem(s: string): string | null {
  return longerThan(ROUTE_LIMITS.regexChars, 'a regex')(s) ?? routeRegexProblem(s);
}

function listAtMost(list: readonly unknown[] | undefined, max: number, what: string, at: Path, report: Report): void {
  if (list !== undefined && list.length > max) report(at, `at most ${max} ${what} (got ${list.length})`);
}

function conditions(v: unknown, at: Path, intents: ReadonlySet<string>, report: Report): RouteConditions {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    report(at, 'must be a mapping of conditions');
    return {};
  }
  unknownKeys(v, WHEN_KEYS, at, report);
  const out: { -readonly [K in keyof RouteConditions]: RouteConditions[K] } = {};
  const models = strings(v['models'], [...at, 'models'], report, longerThan(ROUTE_LIMITS.globChars, 'a model glob'));
  listAtMost(models, ROUTE_LIMITS.globs, 'model globs per route', [...at, 'models'], report);
  if (models !== undefined) out.models = models;
  const paths = strings(v['paths'], [...at, 'paths'], report, functionPatternProblem);
  if (paths !== undefined) out.paths = paths;
  const keywords = strings(v['keywords'], [...at, 'keywords'], report, longerThan(ROUTE_LIMITS.keywordChars, 'a keyword'));
  if (keywords !== undefined) out.keywords = keywords.map((k) => k.toLowerCase());
  const regex = strings(v['regex'], [...at, 'regex'], report, regexProblem);
  if (regex !== undefined) out.regex = regex;
  if (v['headers'] !== undefined) {
    if (!isRecord(v['headers'])) report([...at, 'headers'], 'must be a mapping of header name to value pattern');
    else {
      const headers: Record<string, string> = {};
      listAtMost(Object.keys(v['headers']), ROUTE_LIMITS.globs, 'header conditions per route', [...at, 'headers'], report);
      for (const [name, value] of Object.entries(v['headers'])) {
        if (!isHeaderName(name.toLowerCase())) report([...at, 'headers', name], 'not a valid header name');
        else if (typeof value !== 'string') report([...at, 'headers', name], 'must be a string (a glob on the value)');
        else if (value.length > ROUTE_LIMITS.globChars) report([...at, 'headers', name], `a header glob is at most ${ROUTE_LIMITS.globChars} characters`);
        else headers[name.toLowerCase()] = value;
      }
      out.headers = headers;
    }
  }
  const intent = v['intent'];
  if (intent !== undefined) {
    if (typeof intent !== 'string' || !intents.has(intent)) report([...at, 'intent'], `must name one of the app's intents (${[...intents].join(', ') || 'none declared'})`);
    else out.intent = intent;
  }
  const minScore = v['minScore'];
  if (minScore !== undefined) {
    if (typeof minScore !== 'number' || minScore < 0 || minScore > 1) report([...at, 'minScore'], 'must be a number from 0 to 1');
    else if (intent === undefined) report([...at, 'minScore'], "applies only with 'intent'");
    else out.minScore = minScore;
  }
  return out;
}

function limits(v: unknown, at: Path, report: Report): AppLimits | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    report(at, 'must be a mapping { maxConcurrency, maxRps }');
    return null;
  }
  unknownKeys(v, ['maxConcurrency', 'maxRps'], at, report);
  const mc = v['maxConcurrency'] ?? null;
  const rps = v['maxRps'] ?? null;
  if (mc !== null && (typeof mc !== 'number' || !Number.isInteger(mc) || mc <= 0)) report([...at, 'maxConcurrency'], 'must be a positive integer or null');
  if (rps !== null && (typeof rps !== 'number' || rps <= 0)) report([...at, 'maxRps'], 'must be a positive number or null');
  return { maxConcurrency: typeof mc === 'number' ? mc : null, maxRps: typeof rps === 'number' ? rps : null };
}

function route(v: unknown, i: number, appClusters: readonly string[], intents: ReadonlySet<string>, report: Report): Route | null {
  const at: Path = ['routes', i];
  if (!isRecord(v)) {
    report(at, 'must be a mapping with name, when, target');
    return null;
  }
  unknownKeys(v, ROUTE_KEYS, at, report);
  const name = v['name'];
  if (typeof name !== 'string' || !NAME.test(name)) report([...at, 'name'], 'must be lowercase letters, digits and dashes');
  const t = v['target'];
  let target: Route['target'] | null = null;
  if (!isRecord(t) || typeof t['model'] !== 'string' || t['model'] === '') report([...at, 'target'], 'must be { model, version? }');
  else {
    unknownKeys(t, ['model', 'version'], [...at, 'target'], report);
    const version = t['version'] ?? null;
    if (version !== null && (typeof version !== 'string' || version === '')) report([...at, 'target', 'version'], 'must be a non-empty string');
    target = { model: t['model'], version: typeof version === 'string' ? version : null };
  }
  const clusters = strings(v['clusters'], [...at, 'clusters'], report, (c) => (appClusters.includes(c) ? null : `'${c}' is not one of the app's clusters`)) ?? null;
  const strategy = v['strategy'] ?? null;
  if (strategy !== null && (typeof strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(strategy))) {
    report([...at, 'strategy'], `unknown strategy (known: ${STRATEGIES.join(', ')})`);
  }
  const when = conditions(v['when'], [...at, 'when'], intents, report);
  if (typeof name !== 'string' || target === null) return null;
  return { name, when, target, clusters, limits: limits(v['limits'], [...at, 'limits'], report), strategy: strategy as StrategyName | null };
}

function intentExamples(v: unknown, report: Report): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) {
    report(['intents'], 'must be a mapping of intent name to example utterances');
    return {};
  }
  const out: Record<string, string[]> = {};
  listAtMost(Object.keys(v), ROUTE_LIMITS.intents, 'intents per app', ['intents'], report);
  for (const [label, list] of Object.entries(v)) {
    if (!NAME.test(label)) report(['intents', label], 'intent names are lowercase letters, digits and dashes');
    const examples = strings(list, ['intents', label], report, longerThan(ROUTE_LIMITS.exampleChars, 'an example utterance'));
    if (examples === undefined) continue;
    if (examples.length < MIN_EXAMPLES) report(['intents', label], `give at least ${MIN_EXAMPLES} example utterances (got ${examples.length})`);
    listAtMost(examples, ROUTE_LIMITS.examplesPerIntent, 'example utterances per intent', ['intents', label], report);
    out[label] = examples;
  }
  if (Object.keys(out).length === 1) report(['intents'], 'declare at least two intents: a classifier with one label always answers it');
  return out;
}

/** Validates an app's `routes` and `intents`; every problem is reported. */
export function resolveRoutes(rawRoutes: unknown, rawIntents: unknown, appClusters: readonly string[]): RoutesResult {
  if ((rawRoutes === undefined || rawRoutes === null) && (rawIntents === undefined || rawIntents === null)) return { ok: true, routes: NO_ROUTES };
  const problems: RoutesProblem[] = [];
  const report: Report = (path, message) => problems.push({ path, message });
  const intents = intentExamples(rawIntents, report);
  const routes: Route[] = [];
  if (rawRoutes !== undefined && rawRoutes !== null) {
    if (!Array.isArray(rawRoutes)) report(['routes'], 'must be a list of routes');
    else {
      listAtMost(rawRoutes, ROUTE_LIMITS.routes, 'routes per app', ['routes'], report);
      const names = new Set<string>();
      rawRoutes.forEach((r: unknown, i) => {
        const parsed = route(r, i, appClusters, new Set(Object.keys(intents)), report);
        if (parsed === null) return;
        if (names.has(parsed.name)) report(['routes', i, 'name'], `duplicate route '${parsed.name}'`);
        names.add(parsed.name);
        routes.push(parsed);
      });
    }
  }
  const keywords = routes.reduce((n, r) => n + (r.when.keywords?.length ?? 0), 0);
  if (keywords > ROUTE_LIMITS.keywords) report(['routes'], `at most ${ROUTE_LIMITS.keywords} keywords per app, over all its routes (got ${keywords})`);
  const regexes = routes.reduce((n, r) => n + (r.when.regex?.length ?? 0), 0);
  if (regexes > ROUTE_LIMITS.regexes) report(['routes'], `at most ${ROUTE_LIMITS.regexes} regexes per app, over all its routes (got ${regexes})`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, routes: { routes, intents } };
}

/** `routes[1].when.regex[0]: …` — for messages that have no structured path. */
export function describeRoutesProblems(problems: readonly RoutesProblem[]): string {
  return problems
    .map((p) => `${p.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('')}: ${p.message}`)
    .join('; ');
}
