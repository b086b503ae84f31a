/**
 * The edge builds a decision's log record (its explanation, summary, input and canary JSON)
 * after the response, under waitUntil, not on the request. The stored record must be exactly
 * what the on-path build stored: each logged record is replayed here from its input_json and
 * seed, the notes added as the request path used to (spreads), and compared byte for byte.
 * The client still gets the decision id of the logged decision.
 */
import { describe, expect, it } from 'vitest';
import { parseInputJson } from '../../backtest/decision-record.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { CF, call, loggedDecision } from './helpers.ts';

const chat = (content: string): RequestInit => {
  const body = JSON.stringify({ model: 'chat-70b', messages: [{ role: 'user', content }] });
  return { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-length': String(new TextEncoder().encode(body).length) } };
};

const requests = [
  { name: 'token answer', path: '/token/v4/acme/chat/generate', cf: CF.dublin, init: undefined },
  { name: 'token answer, client in the US', path: '/token/v4/acme/chat/generate', cf: CF.newYork, init: undefined },
  { name: 'forwarded, routed by the prompt (route note)', path: '/v4/acme/routed/v1/chat/completions', cf: CF.dublin, init: chat('implement quicksort in javascript and write unit tests') },
];

type Logged = Decision & { readonly route?: unknown };

describe('decision record built after the response', () => {
  it.each(requests)('$name: the stored record equals the on-path build', async ({ path, cf, init }) => {
    const res = await call(path, { cf, ...(init === undefined ? {} : { init }) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const id = res.headers.get('x-switchyard-decision-id') ?? '';
    const row = await loggedDecision(id);
    const explanation = row.explanationJson;
    const logged = JSON.parse(explanation) as Logged;
    const input = parseInputJson(row.inputJson, id, null, () => row.snapshotJson);
    const again = decide(input.request, input.snapshot, input.policy, {
      now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: id, staleSnapshot: input.staleSnapshot,
      ...(input.strategyState === undefined ? {} : { strategyState: input.strategyState }),
    });
    // As edge.ts built it on the request path before: rollout spread, then route spread.
    const versioned = logged.rollout === undefined ? again : { ...again, rollout: logged.rollout, summary: `${again.summary}; ${logged.rollout.detail}` };
    const onPath = logged.route === undefined ? versioned : { ...versioned, route: logged.route };
    expect(explanation).toBe(JSON.stringify(onPath));
    expect(logged.id).toBe(id);
    expect(logged.candidates.length).toBeGreaterThan(0);
  });
});
