/**
 * Routes inside an app (issue 17): an ordered list, the first route whose conditions all hold
 * wins. Stored as one JSON column (`apps.routes_json`) so a new condition needs no migration.
 */
import type { AppLimits, StrategyName } from '../domain/types.ts';

/** Conditions of one route; every condition given must hold (an empty `when` always matches). */
export interface RouteConditions {
  /** Glob patterns (`*` = any run of characters) on the request's model. */
  readonly models?: readonly string[];
  /** Function patterns, as in `requests.functions` (`v1/chat/*`). */
  readonly paths?: readonly string[];
  /** Lower-case header name → glob on its value. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Any of these words (case-insensitive, whole word) in the prompt. */
  readonly keywords?: readonly string[];
  /** Any of these regular expressions (JavaScript syntax, flag `i`) matches the prompt. */
  readonly regex?: readonly string[];
  /** The intent classifier's top label is this one, with at least `minScore` probability. */
  readonly intent?: string;
  readonly minScore?: number;
}

/** The deployment a route sends to: a model and, optionally, a version of it. */
export interface RouteTarget {
  readonly model: string;
  readonly version: string | null;
}

export interface Route {
  readonly name: string;
  readonly when: RouteConditions;
  readonly target: RouteTarget;
  /** Subset of the app's clusters; null = the app's. */
  readonly clusters: readonly string[] | null;
  /** null = the app's limits. */
  readonly limits: AppLimits | null;
  /** null = the app's strategy. */
  readonly strategy: StrategyName | null;
}

export interface AppRoutes {
  readonly routes: readonly Route[];
  /** Intent label → example utterances the classifier is trained on (at snapshot load). */
  readonly intents: Readonly<Record<string, readonly string[]>>;
}

export const NO_ROUTES: AppRoutes = Object.freeze({ routes: Object.freeze([]), intents: Object.freeze({}) });

/** Why a route was (or no route was) taken: recorded in the decision and shown by explain. */
export interface RouteNote {
  /** The matched route's name; null = none matched (the app's own settings apply). */
  readonly route: string | null;
  readonly target: RouteTarget | null;
  /** `declared`: the client named the route (`x-switchyard-route` / `sy_route`). */
  readonly reason: 'declared' | 'matched' | 'none';
  /** The conditions that held for the matched route, e.g. `keyword "def"`, `intent code 0.93`. */
  readonly why: readonly string[];
  /** The classifier's probability per intent, when it ran. */
  readonly scores?: Readonly<Record<string, number>>;
  /** Set when the prompt could not be read (no/over-cap/non-JSON body, token mode). */
  readonly prompt?: 'absent' | 'over-cap' | 'not-json';
}
