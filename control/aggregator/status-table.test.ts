import { describe, expect, it } from 'vitest';
import { formatAge, formatStartMs, formatStatusTable, type StatusCluster } from './status-table.ts';

describe('formatAge', () => {
  it.each([
    [null, 'never'],
    [10_000, '0.0s'],
    [9_200, '0.8s'],
    [3_000, '7.0s STALE'],
    [-50_000, '60s STALE'],
    [10_000 - 600_000, '10m STALE'],
    [10_000 - 3 * 3_600_000, '3h STALE'],
  ])('observed at %s → %s', (at, text) => {
    expect(formatAge(at, 10_000)).toBe(text);
  });
});

describe('formatStartMs', () => {
  it.each([
    [null, '-'],
    [undefined, '-'],
    // Engine waits and service times are often tens of ms: '0.0s' would read as none.
    [0, '0ms'],
    [30, '30ms'],
    [300, '300ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [9_949, '9.9s'],
    [15_000, '15s'],
    [240_000, '4m'],
  ])('%s ms → %s', (ms, text) => {
    expect(formatStartMs(ms)).toBe(text);
  });
});

describe('formatStatusTable', () => {
  const app = { hotFree: 6, hotBusy: 2, warm: 8, cold: 32, queued: 0, gpuType: 'H100', pricePerHour: 4.25, health: 'healthy' as const, observedAt: 9_000 };
  const clusters: StatusCluster[] = [
    { id: 'us-east-1', region: 'us-east', provider: 'coreweave', health: 'degraded', draining: false, observedAt: 9_000, apps: [{ ...app, appId: 'acme/chat', warmStartMs: 12_000, coldStartMs: 180_000, queueWaitMs: 300, serviceMs: 2_000 }, { ...app, appId: 'acme/train', health: 'unhealthy', hotFree: 0 }] },
    { id: 'eu-west-1', region: 'eu-west', provider: 'lambda', health: 'unknown', draining: true, observedAt: null, apps: [] },
  ];

  it('renders one aligned line per cluster × app', () => {
    expect(formatStatusTable(clusters, 10_000).split('\n')).toEqual([
      'CLUSTER    REGION   PROVIDER   HEALTH    AGE    DRAINING  APP                     HOT FREE/BUSY  WARM  COLD  QUEUED  GPU   $/H   START W/C  WAIT/SERVICE',
      'us-east-1  us-east  coreweave  degraded  1.0s   no        acme/chat               6/2            8     32    0       H100  4.25  12s/3m     300ms/2.0s',
      '                                                          acme/train (unhealthy)  0/2            8     32    0       H100  4.25  -/-        -/-',
      'eu-west-1  eu-west  lambda     unknown   never  yes       -                       -              -     -     -       -     -     -          -',
    ]);
  });

  it('says what to do when there is nothing', () => {
    expect(formatStatusTable([], 0)).toMatch(/switchyard apply/);
  });
});
