/**
 * Replay of policy-canary records (shared/canary): a decision in the canary slice
 * was served by the candidate policy (the record's own policy) and logged next to
 * the stable policy's choice (`canary_json`). Replay re-runs BOTH sides from the
 * same snapshot and seed and shows them side by side, checking each reproduces.
 * Pure (no I/O): the Worker's tests run it inside workerd too.
 */
import type { CanaryNote } from '../../shared/canary/canary.ts';
import type { Decision } from '../../shared/decision/types.ts';
import type { DecisionInput } from '../decision-record.ts';
import { decide, seededRng } from '../decision-port.ts';

type Counts = Record<string, number>;

export interface CanaryPair {
  readonly id: string;
  readonly candidate: { readonly recorded: string | null; readonly replayed: string | null };
  readonly stable: { readonly recorded: string | null; readonly replayed: string | null };
}

export interface CanaryReplayReport {
  /** Records in the canary slice. */
  readonly records: number;
  /** Candidate policy name(s) seen and the stable one(s). */
  readonly policies: { readonly candidate: Counts; readonly stable: Counts };
  /** Decisions where both policies chose the same cluster. */
  readonly agree: number;
  /** Replayed decisions equal to the recorded choice, per side. */
  readonly reproduced: { readonly candidate: number; readonly stable: number };
  readonly traffic: { readonly candidate: Counts; readonly stable: Counts };
  /** The first few records, both sides (for the summary). */
  readonly sample: readonly CanaryPair[];
}

const SAMPLE = 10;

export class CanaryReplay {
  private n = 0;
  private agree = 0;
  private readonly reproduced = { candidate: 0, stable: 0 };
  private readonly policies = { candidate: {} as Counts, stable: {} as Counts };
  private readonly traffic = { candidate: {} as Counts, stable: {} as Counts };
  private readonly sample: CanaryPair[] = [];

  /** Re-runs both sides of one canary record; `served` is the recorded (candidate) decision's id and choice. */
  add(input: DecisionInput, served: Pick<Decision, 'id' | 'chosen'>, note: CanaryNote): CanaryPair {
    const run = (policy: DecisionInput['policy']): Decision =>
      decide(input.request, input.snapshot, policy, {
        now: input.now,
        rng: seededRng(input.seed),
        seed: input.seed,
        decisionId: served.id,
        staleSnapshot: input.staleSnapshot,
        ...(input.strategyState === undefined ? {} : { strategyState: { roundRobinCursor: input.strategyState.roundRobinCursor, outstanding: new Map(input.strategyState.outstanding) } }),
      });
    const candidate = run(input.policy);
    const stable = run(note.stablePolicyJson);
    const pair: CanaryPair = {
      id: served.id,
      candidate: { recorded: served.chosen, replayed: candidate.chosen },
      stable: { recorded: note.stableChosen, replayed: stable.chosen },
    };
    this.n++;
    if (note.stableChosen === served.chosen) this.agree++;
    if (candidate.chosen === served.chosen) this.reproduced.candidate++;
    if (stable.chosen === note.stableChosen) this.reproduced.stable++;
    bump(this.policies.candidate, note.policy);
    bump(this.policies.stable, note.stablePolicy);
    bump(this.traffic.candidate, served.chosen ?? 'none');
    bump(this.traffic.stable, note.stableChosen ?? 'none');
    if (this.sample.length < SAMPLE) this.sample.push(pair);
    return pair;
  }

  report(): CanaryReplayReport | null {
    if (this.n === 0) return null;
    return { records: this.n, policies: this.policies, agree: this.agree, reproduced: this.reproduced, traffic: this.traffic, sample: this.sample };
  }
}

/** Text lines for `switchyard replay`'s summary. */
export function canarySummaryText(r: CanaryReplayReport): string {
  const names = (c: Counts): string => Object.keys(c).join(', ');
  const lines = [
    '',
    `policy canary: ${r.records} decisions in the slice — candidate ${names(r.policies.candidate)} vs stable ${names(r.policies.stable)}`,
    `  both chose the same cluster: ${r.agree}/${r.records}; replay reproduces candidate ${r.reproduced.candidate}/${r.records}, stable ${r.reproduced.stable}/${r.records}`,
    `  traffic candidate: ${JSON.stringify(r.traffic.candidate)}`,
    `  traffic stable:    ${JSON.stringify(r.traffic.stable)}`,
    ...r.sample.map((p) => `  ${p.id}: candidate → ${p.candidate.replayed ?? 'none'} (recorded ${p.candidate.recorded ?? 'none'}), stable → ${p.stable.replayed ?? 'none'} (recorded ${p.stable.recorded ?? 'none'})`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The canary note from a `canary_json` value (null: not a canary decision). Throws on a malformed one. */
export function parseCanaryJson(v: unknown, where: string): CanaryNote | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Error(`${where}: canary_json is not text`);
  const o = JSON.parse(v) as CanaryNote;
  if (o.v !== 1 || typeof o.policy !== 'string' || typeof o.stablePolicyJson !== 'object') throw new Error(`${where}: canary_json is not a v1 canary note`);
  return o;
}

function bump(c: Counts, k: string): void {
  c[k] = (c[k] ?? 0) + 1;
}
