/**
 * Shape check of a verified payload: a genuine signature says who wrote the token, not that
 * the fields have the types the proxy relies on.
 */
import { parseTraceparent } from '../tracing/traceparent.ts';
import type { RoutingClaims } from './types.ts';

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const seconds = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The claims, or a description of the first field that is wrong. */
export function parseClaims(payload: Readonly<Record<string, unknown>>): RoutingClaims | string {
  const { iss, aud, app, fn, cluster, fallbacks, did, iat, exp, tp, rt } = payload;
  if (!nonEmpty(iss)) return '"iss" must be a non-empty string';
  if (!nonEmpty(aud)) return '"aud" must be a single proxy id';
  if (!nonEmpty(app) || !app.includes('/')) return '"app" must be "project/app"';
  if (!nonEmpty(fn)) return '"fn" must be a non-empty string';
  if (!nonEmpty(cluster)) return '"cluster" must be a non-empty string';
  if (!Array.isArray(fallbacks) || !fallbacks.every(nonEmpty))
    return '"fallbacks" must be an array of cluster ids';
  if (!nonEmpty(did)) return '"did" must be the decision id';
  if (!seconds(iat)) return '"iat" must be whole seconds since the epoch';
  if (!seconds(exp) || exp <= iat) return '"exp" must be whole seconds after "iat"';
  // Optional, but when present it must be a valid traceparent: a signed field is never half-read.
  if (tp !== undefined && (typeof tp !== 'string' || parseTraceparent(tp) === null))
    return '"tp" must be a W3C traceparent (00-<trace id>-<span id>-<flags>)';
  if (rt !== undefined && !nonEmpty(rt)) return '"rt" must be the matched route\'s name';
  const claims = { iss, aud, app, fn, cluster, fallbacks: [...fallbacks], did, iat, exp };
  return { ...claims, ...(tp === undefined ? {} : { tp }), ...(rt === undefined ? {} : { rt }) };
}
