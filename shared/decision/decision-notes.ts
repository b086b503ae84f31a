/**
 * The notes callers add to decide()'s decision: the proxy's in-region prefix, the edge's rollout
 * (summary suffix and record) and matched route. One rule for each, used where they are made and
 * by replay, which adds a recorded decision's notes back to its re-run before comparing the two
 * whole: the notes are not decide()'s, so without them every such record read as changed.
 */
import type { RolloutNote } from '../rollout/select-version.ts';
import type { RouteNote } from '../routes/types.ts';
import { annotateDecision } from './lazy-decision.ts';
import type { Decision } from './types.ts';

/** Where a record says its decision was made (`input_json`'s top-level keys; absent: the edge). */
export interface RecordOrigin {
  readonly scope: string;
  readonly region?: string;
  readonly proxy?: string;
}

/** A decision the proxy made among its own region's clusters: its summary says so. */
export function noteInRegion(d: Decision, region: string): Decision {
  return annotateDecision(d, `in-region (${region}): `, '', {});
}

/** A decision made under a rollout: the version it picked, in the summary and as a record. */
export function noteRollout(d: Decision, rollout: RolloutNote): Decision & { readonly rollout: RolloutNote } {
  return annotateDecision(d, '', `; ${rollout.detail}`, { rollout });
}

/** A decision made under a matched (or declared) route. */
export function noteRoute(d: Decision, route: RouteNote): Decision & { readonly route: RouteNote } {
  return annotateDecision(d, '', '', { route });
}

type Noted = Decision & { readonly rollout?: RolloutNote; readonly route?: RouteNote };

/** `replayed` with the notes `recorded` carries, in the order the edge and the proxy add them. */
export function withNotesOf(replayed: Decision, recorded: Noted, origin: RecordOrigin | undefined): Decision {
  let d = replayed;
  if (recorded.rollout !== undefined) d = noteRollout(d, recorded.rollout);
  if (recorded.route !== undefined) d = noteRoute(d, recorded.route);
  if (origin?.scope === 'in-region' && origin.region !== undefined) d = noteInRegion(d, origin.region);
  return d;
}
