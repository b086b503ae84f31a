/**
 * Everything the edge decides about a request before it may read the app's snapshot (P1: an
 * unauthenticated client must not make the isolate read, or cache, any tenant's snapshot). The
 * app's gate comes from the isolate's auth view (auth-view.ts: one read for every app, refreshed
 * by the auth clock) and the key from the same view, so a refused request costs no snapshot read.
 * The answers are the ones the snapshot-first path gave: 404 for an app the view does not know,
 * preflights from the app's origins, then the mode/operator refusal, then 401/403 for the key.
 */
import type { AppPath } from '../../shared/http/request-path.ts';
import { authorize, type KeyLookup, UNKNOWN_APPS_TENANT } from './auth.ts';
import type { AuthView } from './auth-view.ts';
import type { AppGate } from './shared-deps.ts';
import { applyCors, preflightResponse } from './cors.ts';
import { errorResponse, refuse, type EdgeError } from './errors.ts';

export interface GateInput {
  readonly request: Request;
  readonly path: AppPath;
  /** A refusal the request earns whatever its key (bad answer mode, missing operator key). */
  readonly early: EdgeError | null;
  readonly view: AuthView;
  readonly keys: KeyLookup;
  readonly waitUntil: (p: Promise<unknown>) => void;
  /** When the request arrived (the edge's clock): an app created before it must not get 404. */
  readonly arrivedAt: number;
}

/**
 * `pass`: the snapshot may be read; `checked` is the gate the key passed (null: none, the app was
 * not in the view), so the caller re-checks only if the snapshot's app disagrees with it.
 * Otherwise the answer, given without the snapshot.
 */
export type GateOutcome = { readonly pass: true; readonly checked: AppGate | null } | { readonly pass: false; readonly response: Response };

export async function gateApp(g: GateInput): Promise<GateOutcome> {
  const { request, path } = g;
  let gate = (await g.view.gates(g.waitUntil)).get(path.appId);
  if (gate === undefined) {
    // Not in the view: unknown, or created since the last clock check. Every request, a key of
    // the path's project included, waits for one clock check that started after it arrived,
    // shared by every such request and at most one per 250 ms (as an unknown key does), before
    // the 404: a snapshot read per made-up name let one tenant's key cost the database every
    // tenant shares thousands of reads a second per isolate. Only when that check could not read
    // the database does a key of the path's project read the snapshot (503 if it is down).
    const owner = { id: path.appId, projectId: path.projectId, authRequired: true };
    const denied = await authorize(request.headers, owner, g.keys, g.waitUntil, UNKNOWN_APPS_TENANT);
    const checked = await g.view.recheckSince(g.arrivedAt, g.waitUntil);
    if (checked) gate = (await g.view.gates(g.waitUntil)).get(path.appId);
    if (gate === undefined) {
      if (denied === null && !checked) return { pass: true, checked: null };
      return { pass: false, response: errorResponse(refuse.unknownApp(path.appId)) };
    }
  }
  if (request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
    return { pass: false, response: preflightResponse(gate.corsOrigins, request) };
  }
  const denied = g.early ?? (await authorize(request.headers, { id: path.appId, ...gate }, g.keys, g.waitUntil));
  if (denied === null) return { pass: true, checked: gate };
  const response = errorResponse(denied);
  applyCors(response.headers, gate.corsOrigins, request.headers.get('origin'));
  return { pass: false, response };
}
