/**
 * `switchyard canary status|promote`: live outcomes per policy while a policy canary runs
 * (ROUTE_CANARY_PERCENT / ROUTE_CANARY_POLICY, shared/canary), and a promotion gate that
 * replays the last day of decisions under the candidate first.
 */
import type { Command } from 'commander';
import type { CanaryNote } from '../../../shared/canary/canary.ts';
import { policyOfInputJson } from '../../../backtest/decision-record.ts';
import { BacktestError } from '../../../backtest/errors.ts';
import { parseCanaryJson } from '../../../backtest/replay/canary-replay.ts';
import { readRecordsFromDb } from '../../../backtest/replay/read-records-db.ts';
import { readNdjson } from '../../../backtest/replay/ndjson.ts';
import type { ReplayRecord } from '../../../backtest/replay/lazy-record.ts';
import { ReplayAccumulator } from '../../../backtest/replay/replay-engine.ts';
import { quantileOf } from '../../../backtest/stats/histogram.ts';
import { resolveDb, withDbFlags, type ResolvedDb } from '../../config/db-flags.ts';
import { openResolvedDb } from '../../config/open-db.ts';
import { decisionSource } from '../decision-source.ts';
import { EXIT } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

interface WindowFlags {
  sinceHours: string;
}

/** Default of `canary promote --max-p99-regression`: the candidate's p99 estimate may be at most 10 % worse. */
export const DEFAULT_MAX_P99_REGRESSION = 0.1;

export function register(program: Command): void {
  const canary = program.command('canary').description(describeCommand('canary'));
  withDbFlags(canary.command('status').description('requests, p50/p95 TTFB and error rate per policy (outcomes joined to decisions)'))
    .option('--input <file.ndjson>', 'read decision records from an NDJSON export (`replay --export-ndjson`) instead of the database')
    .option('--since-hours <h>', 'only decisions of the last h hours (from the database)', '24')
    .action(async (opts: { db?: string; authToken?: string; input?: string; sinceHours: string }) => {
      const from = decisionSource(opts, process.env);
      const text = 'input' in from ? await statusTextFromRecords(readNdjson(from.input)) : await statusText({ ...from.db, sinceHours: opts.sinceHours });
      process.stdout.write(text);
    });
  withDbFlags(
    canary
      .command('promote')
      .description('replay the last day under the candidate; refuse on hard-constraint (e.g. residency) violations or a p99 regression, else print the vars to set'),
  )
    .option('--since-hours <h>', 'replay the decisions of the last h hours', '24')
    .option('--max-p99-regression <share>', 'largest allowed rise of the p99 latency estimate (0.1 = +10 %)', String(DEFAULT_MAX_P99_REGRESSION))
    .addHelpText('after', `\nExit status ${EXIT.refused}: refused (violations, a p99 rise past the limit, or no canary decisions to judge); 0: the vars to set are printed.`)
    .action(async (opts: { db?: string; authToken?: string; sinceHours: string; maxP99Regression: string }) => {
      const r = await promote({ ...resolveDb(opts, process.env), sinceHours: opts.sinceHours, maxP99Regression: opts.maxP99Regression });
      process.stdout.write(r.text);
      if (!r.ok) process.exitCode = EXIT.refused;
    });
}

function sinceOf(opts: WindowFlags): number {
  const h = Number(opts.sinceHours);
  if (!Number.isFinite(h) || h <= 0) throw new BacktestError('bad-option', `--since-hours ${opts.sinceHours}: expected a positive number`);
  return Date.now() - h * 3_600_000;
}

/** The per-policy table from the database `opts` names (resolved by the caller: control/config/db-flags.ts). */
export async function statusText(opts: ResolvedDb & WindowFlags): Promise<string> {
  const since = sinceOf(opts);
  const db = openResolvedDb(opts).client;
  try {
    const rs = await db.execute({
      sql: `SELECT d.id, d.policy_version, d.canary_json IS NOT NULL AS canary, o.status, o.ttfb_ms
            FROM decisions d JOIN outcomes o ON o.decision_id = d.id
            WHERE d.at >= ? AND d.synthetic = 0 ORDER BY d.at`,
      args: [since],
    });
    const per = new PolicyOutcomes();
    for (const row of rs.rows) {
      per.add(String(row['policy_version']), Number(row['canary']) === 1, String(row['id']), Number(row['status']), row['ttfb_ms'] === null ? null : Number(row['ttfb_ms']));
    }
    return per.text();
  } finally {
    db.close();
  }
}

/** The same table from decision records (an NDJSON export carries each canary decision's note). */
export async function statusTextFromRecords(records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>): Promise<string> {
  const per = new PolicyOutcomes();
  for await (const r of records) {
    if (r.decision.synthetic) continue;
    const candidate = r.canary !== undefined && r.canary !== null;
    for (const o of r.outcomes) per.add(r.decision.policyVersion, candidate, r.decision.id, o.status, o.ttfbMs);
  }
  return per.text();
}

/** Outcomes per policy (the candidate's marked): requests, TTFB quantiles, error rate. */
class PolicyOutcomes {
  readonly #per = new Map<string, { ids: Set<string>; attempts: number; errors: number; ttfb: number[] }>();

  add(policy: string, candidate: boolean, decisionId: string, status: number, ttfbMs: number | null): void {
    const key = `${policy}${candidate ? ' (candidate)' : ''}`;
    const p = this.#per.get(key) ?? { ids: new Set<string>(), attempts: 0, errors: 0, ttfb: [] };
    p.ids.add(decisionId);
    p.attempts++;
    if (status >= 500 || status === 0) p.errors++;
    if (ttfbMs !== null) p.ttfb.push(ttfbMs);
    this.#per.set(key, p);
  }

  text(): string {
    if (this.#per.size === 0) return 'no proxied decisions with outcomes in that window\n';
    const lines = ['policy                         requests  p50 TTFB  p95 TTFB  error rate'];
    for (const [k, p] of [...this.#per].sort()) {
      const s = [...p.ttfb].sort((a, b) => a - b);
      const q = (x: number): string => (s.length === 0 ? '—' : `${Math.round(quantileOf(s, x) ?? 0)} ms`);
      lines.push(`${k.padEnd(30)} ${String(p.ids.size).padStart(8)}  ${q(0.5).padStart(8)}  ${q(0.95).padStart(8)}  ${((100 * p.errors) / p.attempts).toFixed(2).padStart(9)} %`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The newest canary decision's note and the candidate policy it was made with. */
async function latestCanary(opts: ResolvedDb): Promise<{ note: CanaryNote; policy: ReturnType<typeof policyOfInputJson> } | null> {
  const db = openResolvedDb(opts).client;
  try {
    const rs = await db.execute('SELECT canary_json, input_json FROM decisions WHERE canary_json IS NOT NULL ORDER BY at DESC LIMIT 1');
    const row = rs.rows[0];
    if (row === undefined) return null;
    const note = parseCanaryJson(row['canary_json'], 'newest canary decision');
    if (note === null) return null;
    // Only the policy: a row naming its snapshot needs no read of decision_snapshots for it.
    return { note, policy: policyOfInputJson(String(row['input_json']), 'newest canary decision: input_json') };
  } finally {
    db.close();
  }
}

export async function promote(opts: ResolvedDb & WindowFlags & { maxP99Regression: string }): Promise<{ ok: boolean; text: string }> {
  const limit = Number(opts.maxP99Regression);
  if (!Number.isFinite(limit) || limit < 0) throw new BacktestError('bad-option', `--max-p99-regression ${opts.maxP99Regression}: expected a share ≥ 0, e.g. 0.1`);
  // Every option is judged before the database is opened.
  const since = sinceOf(opts);
  const c = await latestCanary(opts);
  if (c === null) return { ok: false, text: 'no canary decisions in the log: set ROUTE_CANARY_PERCENT and ROUTE_CANARY_POLICY first\n' };
  const acc = new ReplayAccumulator({ policy: c.policy, strategy: null, assumedDurationMs: 1000, verify: false });
  // The gate compares estimates and violations, never whole decisions: each row's brief is enough.
  const q = { url: opts.url, since, briefOnly: true, ...(opts.authToken === undefined ? {} : { authToken: opts.authToken }), requestTimeoutMs: opts.requestTimeoutMs, requestTimeoutSetting: opts.requestTimeoutSetting };
  for await (const r of readRecordsFromDb(q)) acc.add(r);
  const rep = acc.report();
  const before = rep.latency.estimatedBefore.p99;
  const after = rep.latency.estimatedAfter.p99;
  const rise = before === null || after === null || before <= 0 ? 0 : after / before - 1;
  const residency = rep.violations.after['residency'] ?? 0;
  const problems: string[] = [];
  if (rep.violations.afterTotal > 0) problems.push(`${rep.violations.afterTotal} decisions would break a hard constraint (${residency} residency): ${JSON.stringify(rep.violations.after)}`);
  if (rise > limit) problems.push(`p99 latency estimate rises ${(100 * rise).toFixed(1)} % (${before} → ${after} ms), more than --max-p99-regression ${limit}`);
  const head = `candidate ${c.note.policy} replayed over ${rep.records} decisions: ${rep.moved} move, p99 estimate ${before ?? '—'} → ${after ?? '—'} ms, ${rep.violations.afterTotal} violations\n`;
  if (problems.length > 0) return { ok: false, text: `${head}refusing to promote:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` };
  const vars = Object.entries(c.note.overrides).map(([k, v]) => `${k}=${v}`);
  return {
    ok: true,
    text: `${head}promote: set these Worker vars (wrangler.toml [vars]) and unset ROUTE_CANARY_PERCENT / ROUTE_CANARY_POLICY:\n${vars.join('\n')}\n`,
  };
}
