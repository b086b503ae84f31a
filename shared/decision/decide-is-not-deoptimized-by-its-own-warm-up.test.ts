import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TSX_LOADER } from '../../control/cli/switchyard-command.ts';

/**
 * decide() over a stream of new snapshots, as a replay or a busy edge runs it, in a process
 * that prints V8's deoptimizations. The scratch arrays of each compiled snapshot (rowsOf, the
 * candidates' locations) were built with Array#map, whose result has one elements kind while
 * the builder runs in the interpreter and another once it is optimized: decide() and the RTT
 * estimate, optimized on the first kind, were thrown away ("wrong map") and compiled again,
 * on every thread of a replay (~5 % of a 200,000-record replay's wall time; BENCHMARKS,
 * replay, session 41). Node 20's V8 (TurboFan only), as the project pins.
 */
const SCRIPT = `
import { decide } from ${JSON.stringify(new URL('./decide.ts', import.meta.url).href)};
import { cluster, context, policy, request, snapshot, state } from ${JSON.stringify(new URL('./test-fixtures.ts', import.meta.url).href)};
const regions = ['eu-central', 'eu-west', 'us-east', 'ap-northeast', 'eu-north'];
const p = policy();
const clients = [
  request(),
  request({ client: { colo: 'NRT', country: 'JP', continent: 'AS', location: { lat: 35.7, lon: 139.7 } } }),
  request({ client: { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } } }),
];
for (let i = 0; i < 6000; i++) {
  const clusters = regions.map((r) => cluster(r + '-c', r));
  const states = clusters.map((c, k) => state(c.id, { hotBusy: (i + k) % 5, pricePerHour: 1.5 + k }));
  const snap = snapshot({ clusters, states });
  for (let j = 0; j < 3; j++) decide(clients[(i + j) % 3], snap, p, context('s' + i + '-' + j));
}
console.log('done');
`;

describe('decide() keeps its optimized code while new snapshots arrive', () => {
  it('is never deoptimized for a wrong map of its own scratch arrays', () => {
    const out = execFileSync(process.execPath, ['--trace-opt', '--trace-deopt', '--import', TSX_LOADER, '--input-type=module', '-e', SCRIPT], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 << 20,
    });
    expect(out).toContain('done');
    // Both were optimized (else there is nothing to lose), and neither code was thrown away for a map.
    for (const fn of ['decideWith', 'estimateRttsMs']) expect(out).toMatch(new RegExp(`completed optimizing [^\\n]*<JSFunction ${fn} `));
    const wrongMap = out.split('\n').filter((l) => l.includes('reason: wrong map') && /<JSFunction (decideWith|estimateRttsMs) /.test(l));
    expect(wrongMap).toEqual([]);
  }, 90_000);
});
