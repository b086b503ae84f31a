/**
 * One table of decision cases with their expected outcome, free of any test
 * framework, so the same cases run under Node (`decision-cases.test.ts`) and
 * inside workerd (the Worker's test project can import this file and call
 * `checkDecisionCase` for each case). A case failing in one runtime only means
 * the runtimes disagree — exactly what replays cannot tolerate.
 */
import type { AppSnapshot, RequestFacts } from '../domain/types.ts';
import { decide } from './decide.ts';
import { seededRng } from './rng.ts';
import {
  NOW,
  cluster,
  context,
  policy,
  request,
  snapshot,
  state,
  status,
} from './test-fixtures.ts';
import type {
  Decision,
  DecisionOutcome,
  DisqualificationCode,
  Policy,
  ReasonCode,
} from './types.ts';

export interface DecisionCase {
  readonly name: string;
  readonly request: RequestFacts;
  readonly snapshot: AppSnapshot;
  readonly policy: Policy;
  readonly seed: string;
  readonly expect: {
    readonly outcome: DecisionOutcome;
    readonly reason: ReasonCode;
    /** Exact choice (for deterministic cases) or the set it must fall in. */
    readonly chosen?: string | null;
    readonly chosenIn?: readonly string[];
    readonly fallbacks?: readonly string[];
    readonly disqualified?: Readonly<Record<string, readonly DisqualificationCode[]>>;
  };
}

const EU = cluster('eu-1', 'eu-west');
const EU2 = cluster('eu-2', 'eu-central');
const US = cluster('us-1', 'us-east');
const AP = cluster('ap-1', 'ap-southeast');

export const DECISION_CASES: readonly DecisionCase[] = [
  {
    name: 'hot beats warm and cold',
    request: request(),
    snapshot: snapshot({
      clusters: [EU, EU2, US],
      states: [
        state('eu-1', { hotFree: 0, warm: 50 }),
        state('eu-2', { hotFree: 0, warm: 0 }),
        state('us-1', { hotFree: 1 }),
      ],
    }),
    policy: policy(),
    seed: 'case-1',
    expect: {
      outcome: 'routed',
      reason: 'fastest-predicted',
      chosen: 'us-1',
      // ttft ranks fallbacks by predicted time: eu-2's loaded replicas beat eu-1's warm start.
      fallbacks: ['eu-2', 'eu-1'],
    },
  },
  {
    name: 'EU-only app never leaves Europe',
    request: request({
      client: { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } },
    }),
    snapshot: snapshot({
      clusters: [EU, EU2, US, AP],
      app: { residency: { kind: 'continents', continents: ['EU'] } },
    }),
    policy: policy(),
    seed: 'case-2',
    expect: {
      outcome: 'routed',
      reason: 'fastest-predicted',
      chosenIn: ['eu-1', 'eu-2'],
      disqualified: { 'us-1': ['residency'], 'ap-1': ['residency'] },
    },
  },
  {
    name: 'unhealthy, draining, circuit-open and stale are filtered',
    request: request(),
    snapshot: snapshot({
      clusters: [EU, EU2, US, AP],
      states: [
        state('eu-1', { health: 'unhealthy' }),
        state('eu-2'),
        state('us-1', { observedAt: NOW - 600_000 }),
        state('ap-1'),
      ],
      statuses: [status('eu-2', { draining: true }), status('ap-1', { circuitOpen: true })],
    }),
    policy: policy({ panic: 'off' }),
    seed: 'case-3',
    expect: {
      outcome: 'no-candidate',
      reason: 'no-candidate',
      chosen: null,
      disqualified: {
        'eu-1': ['unhealthy'],
        'eu-2': ['draining'],
        'us-1': ['stale'],
        'ap-1': ['circuit-open'],
      },
    },
  },
  {
    name: 'panic picks the least bad',
    request: request(),
    snapshot: snapshot({
      clusters: [EU, EU2],
      states: [
        state('eu-1', { health: 'unhealthy' }),
        state('eu-2', { observedAt: NOW - 600_000 }),
      ],
    }),
    policy: policy({ panic: 'least-bad' }),
    seed: 'case-4',
    expect: { outcome: 'panic', reason: 'panic', chosen: 'eu-2', fallbacks: ['eu-1'] },
  },
  {
    name: 'consistent hash is a pure function of the key',
    request: request({ affinityKey: 'session-42' }),
    snapshot: snapshot({ clusters: [EU, EU2, US, AP], app: { strategy: 'consistent-hash' } }),
    policy: policy(),
    seed: 'case-5',
    // Pinned: rendezvous hashing uses only 32-bit integer math, identical in every runtime.
    expect: { outcome: 'routed', reason: 'strategy', chosen: 'ap-1' },
  },
  {
    name: 'seeded weighted pick is identical everywhere',
    request: request(),
    snapshot: snapshot({ clusters: [EU, EU2, US, AP] }),
    policy: policy({ model: 'weights' }),
    seed: 'case-6',
    expect: { outcome: 'routed', reason: 'weighted-pick', chosen: 'ap-1' },
  },
  {
    name: 'seeded softmax pick over predicted time is identical everywhere',
    request: request(),
    snapshot: snapshot({ clusters: [EU, EU2, US, AP] }),
    policy: policy(),
    seed: 'case-6',
    expect: { outcome: 'routed', reason: 'fastest-predicted', chosen: 'eu-2' },
  },
];

/** The first three draws of `seededRng('switchyard')` × 1e9, rounded: any runtime must reproduce them. */
export const RNG_PIN: readonly number[] = [307943400, 748232259, 199495977];

export function rngPinMismatch(): string | null {
  const rng = seededRng('switchyard');
  const got = RNG_PIN.map(() => Math.round(rng.next() * 1e9));
  return got.every((x, i) => x === RNG_PIN[i])
    ? null
    : `seededRng('switchyard') drew ${got.join(', ')}, expected ${RNG_PIN.join(', ')}`;
}

/** Runs `c` and returns every way the decision differs from what the case expects (empty = pass). */
export function checkDecisionCase(c: DecisionCase): { decision: Decision; problems: string[] } {
  const decision = decide(c.request, c.snapshot, c.policy, context(c.seed));
  const problems: string[] = [];
  const e = c.expect;
  if (decision.outcome !== e.outcome)
    problems.push(`outcome ${decision.outcome}, expected ${e.outcome}`);
  if (decision.reason !== e.reason)
    problems.push(`reason ${decision.reason}, expected ${e.reason}`);
  if (e.chosen !== undefined && decision.chosen !== e.chosen)
    problems.push(`chose ${String(decision.chosen)}, expected ${String(e.chosen)}`);
  if (
    e.chosenIn !== undefined &&
    (decision.chosen === null || !e.chosenIn.includes(decision.chosen))
  ) {
    problems.push(`chose ${String(decision.chosen)}, expected one of ${e.chosenIn.join(', ')}`);
  }
  if (e.fallbacks !== undefined && decision.fallbacks.join() !== e.fallbacks.join()) {
    problems.push(
      `fallbacks [${decision.fallbacks.join(', ')}], expected [${e.fallbacks.join(', ')}]`,
    );
  }
  for (const [id, codes] of Object.entries(e.disqualified ?? {})) {
    const got =
      decision.candidates.find((x) => x.clusterId === id)?.disqualifications.map((d) => d.code) ??
      [];
    if (got.join() !== codes.join())
      problems.push(`${id} disqualified for [${got.join(', ')}], expected [${codes.join(', ')}]`);
  }
  return { decision, problems };
}
