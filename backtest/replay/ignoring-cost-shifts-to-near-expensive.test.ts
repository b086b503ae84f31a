import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { makeRecords } from './record-fixtures.ts';
import { replayAll } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay with ROUTE_LATENCY_VALUE_USD=0 (price ignored)', () => {
  it('moves traffic toward the expensive-but-near cluster, breaks no constraint, and costs more', () => {
    const file = join(dir, 'no-cost.env');
    writeFileSync(file, '# ignore price\nROUTE_POLICY_VERSION=no-cost\nROUTE_LATENCY_VALUE_USD=0\n');
    const policy = policyFromEnvText(readFileSync(file, 'utf8'), file);
    expect(policy.ttft.usdPerGpuHourPerMs).toBe(0);
    const report = replayAll(makeRecords(2000, DEFAULT_POLICY), { policy, strategy: null, assumedDurationMs: 1000, verify: false });
    const before = report.traffic.cluster.before['eu-central-pricey'] ?? 0;
    const after = report.traffic.cluster.after['eu-central-pricey'] ?? 0;
    expect(report.moved).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(before * 1.1);
    expect((report.traffic.provider.after['premiumgpu'] ?? 0)).toBeGreaterThan(report.traffic.provider.before['premiumgpu'] ?? 0);
    expect(report.cost.after).toBeGreaterThan(report.cost.before);
    expect(report.violations.afterTotal).toBe(0);
    expect(report.policyVersion).toBe('no-cost');
  });
});
