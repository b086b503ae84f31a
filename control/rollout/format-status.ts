/** `switchyard rollout status` as text an operator reads at a glance. Pure. */
import type { RolloutStatusReport } from './rollout-operations.ts';

export function formatRolloutStatus(report: RolloutStatusReport, now: number): string {
  const r = report.rollout;
  const age = Math.round((now - r.stepStartedAt) / 1000);
  const lines = [
    `${r.appId} rollout ${r.id}: ${r.status}`,
    `  model ${r.model}: stable ${r.stable}, canary ${r.canary} at ${r.weightPct} %`,
    `  steps ${r.steps.join(' → ')} %, at step ${r.stepIndex + 1}/${r.steps.length} for ${age} s (hold ${Math.round(r.holdMs / 1000)} s)`,
    `  held regions (stay on ${r.stable}): ${r.heldRegions.length === 0 ? 'none' : r.heldRegions.join(', ')}`,
    `  reason: ${r.reason ?? '-'}`,
  ];
  const gate = report.lastGate as { result?: string; failures?: Array<{ gate: string; detail: string }>; canary?: unknown; stable?: unknown } | null;
  if (gate !== null && typeof gate === 'object') {
    lines.push(`  last gate: ${gate.result ?? '?'}; canary ${JSON.stringify(gate.canary)}; stable ${JSON.stringify(gate.stable)}`);
    for (const f of gate.failures ?? []) lines.push(`    ${f.gate}: ${f.detail}`);
  }
  lines.push('  served:');
  for (const s of report.served) lines.push(`    ${s.clusterId} (${s.region}): ${s.model}@${s.version}`);
  return lines.join('\n');
}
