import { describe, expect, it } from 'vitest';
import type { AppLimits } from '../../shared/domain/types.ts';
import { workerAdmission, type LimitMessage, type WorkerChannel } from './cluster-limits.ts';

const LIMITED: AppLimits = { maxConcurrency: 2, maxRps: null, scope: 'proxy' };
const UNLIMITED: AppLimits = { maxConcurrency: null, maxRps: null };

function fakeChannel(): WorkerChannel & { sent: LimitMessage[]; deliver(m: unknown): void; disconnect(): void } {
  const onMessage: Array<(m: unknown) => void> = [];
  let onDisconnect: () => void = () => undefined;
  let connected = true;
  const sent: LimitMessage[] = [];
  return {
    sent,
    connected: () => connected,
    send: (m) => void sent.push(m),
    onMessage: (f) => void onMessage.push(f),
    onDisconnect: (f) => (onDisconnect = f),
    deliver: (m) => onMessage.forEach((f) => f(m)),
    disconnect: () => {
      connected = false;
      onDisconnect();
    },
  };
}

const idOf = (m: LimitMessage | undefined): number => (m !== undefined && 'id' in m ? m.id : NaN);

describe('a worker admits through its primary', () => {
  it('two admissions on one channel (request limits, job caps) never answer each other', async () => {
    const ch = fakeChannel();
    const requests = workerAdmission(() => LIMITED, ch);
    const jobs = workerAdmission(() => LIMITED, ch);
    const r = requests.acquire('a', 0);
    const j = jobs.acquire('jobs:a', 0);
    const [ri, ji] = ch.sent.map(idOf);
    expect(ri).not.toBe(ji);
    ch.deliver({ sy: 'lim-verdict', id: ji, ok: false, code: 'concurrency-limited', retryAfterS: 5 });
    ch.deliver({ sy: 'lim-verdict', id: ri, ok: true });
    expect([(await r).ok, (await j).ok]).toEqual([true, false]);
    expect([requests.inFlight('a'), jobs.inFlight('jobs:a')]).toEqual([1, 0]);
  });

  it('admits a key without limits locally, with no IPC', () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => UNLIMITED, ch);
    const v = adm.acquire('a', 0);
    expect(v instanceof Promise).toBe(false);
    expect(ch.sent).toEqual([]);
  });

  it('asks for a limited key, holds the granted slot and returns it once', async () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => LIMITED, ch);
    const p = adm.acquire('a', 0, 'slot-only');
    const id = idOf(ch.sent[0]);
    expect(ch.sent).toEqual([{ sy: 'lim-acquire', id, key: 'a', charge: 'slot-only', limits: LIMITED }]);
    ch.deliver({ sy: 'lim-verdict', id, ok: true });
    const v = await p;
    expect(v.ok).toBe(true);
    expect(adm.inFlight('a')).toBe(1);
    if (!v.ok) return;
    v.release();
    v.release();
    expect(ch.sent.filter((m) => m.sy === 'lim-release')).toEqual([{ sy: 'lim-release', id }]);
    expect(adm.inFlight('a')).toBe(0);
  });

  it("passes the primary's refusal on, holding nothing", async () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => LIMITED, ch);
    const p = adm.acquire('a', 0);
    ch.deliver({ sy: 'lim-verdict', id: idOf(ch.sent[0]), ok: false, code: 'rate-limited', retryAfterS: 3 });
    expect(await p).toEqual({ ok: false, code: 'rate-limited', retryAfterS: 3 });
    expect(adm.inFlight('a')).toBe(0);
  });

  it('refuses what waits on a primary that is gone, and everything after', async () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => LIMITED, ch);
    const p = adm.acquire('a', 0);
    ch.disconnect();
    expect(await p).toMatchObject({ ok: false, code: 'concurrency-limited' });
    expect(adm.acquire('a', 0)).toMatchObject({ ok: false });
  });

  it('reports its limited keys only when they change', () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => LIMITED, ch);
    adm.reportKeys([['a', LIMITED]]);
    adm.reportKeys([['a', LIMITED]]);
    adm.reportKeys([['a', UNLIMITED]]);
    expect(ch.sent.map((m) => m.sy)).toEqual(['lim-keys', 'lim-keys']);
  });
});
