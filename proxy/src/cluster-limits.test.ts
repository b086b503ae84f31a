import { describe, expect, it } from 'vitest';
import type { AppLimits } from '../../shared/domain/types.ts';
import { workerAdmission, type LimitMessage, type WorkerChannel } from './cluster-limits.ts';

const LIMITED: AppLimits = { maxConcurrency: 2, maxRps: null, scope: 'proxy' };
const UNLIMITED: AppLimits = { maxConcurrency: null, maxRps: null };

function fakeChannel(): WorkerChannel & { sent: LimitMessage[]; deliver(m: unknown): void; disconnect(): void } {
  let onMessage: (m: unknown) => void = () => undefined;
  let onDisconnect: () => void = () => undefined;
  let connected = true;
  const sent: LimitMessage[] = [];
  return {
    sent,
    connected: () => connected,
    send: (m) => void sent.push(m),
    onMessage: (f) => (onMessage = f),
    onDisconnect: (f) => (onDisconnect = f),
    deliver: (m) => onMessage(m),
    disconnect: () => {
      connected = false;
      onDisconnect();
    },
  };
}

describe('a worker admits through its primary', () => {
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
    expect(ch.sent).toEqual([{ sy: 'lim-acquire', id: 1, key: 'a', charge: 'slot-only', limits: LIMITED }]);
    ch.deliver({ sy: 'lim-verdict', id: 1, ok: true });
    const v = await p;
    expect(v.ok).toBe(true);
    expect(adm.inFlight('a')).toBe(1);
    if (!v.ok) return;
    v.release();
    v.release();
    expect(ch.sent.filter((m) => m.sy === 'lim-release')).toEqual([{ sy: 'lim-release', id: 1 }]);
    expect(adm.inFlight('a')).toBe(0);
  });

  it("passes the primary's refusal on, holding nothing", async () => {
    const ch = fakeChannel();
    const adm = workerAdmission(() => LIMITED, ch);
    const p = adm.acquire('a', 0);
    ch.deliver({ sy: 'lim-verdict', id: 1, ok: false, code: 'rate-limited', retryAfterS: 3 });
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
