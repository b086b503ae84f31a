import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseTrustedProxies } from './trusted-proxies.ts';
import {
  ConnectionLimits,
  connectionLimitsFromConfig,
  perAddressCapBinds,
  REFUSAL_LOG_EVERY_MS,
  REFUSALS_ANSWERED_AT_ONCE,
  type ConnectionLimitSettings,
} from './connection-limits.ts';
import { NO_TRUSTED_PROXIES } from './trusted-proxies.ts';

const quiet = pino({ level: 'silent' });

describe('connectionLimitsFromConfig', () => {
  const config = { maxConnections: 'auto' as const, maxConnectionsPerAddress: 'auto' as const, trustedProxies: NO_TRUSTED_PROXIES };
  it.each<[string, Parameters<typeof connectionLimitsFromConfig>[0], number, number | null, number | null]>([
    ['auto under 20,000 open files and the default budget', config, 9_900, 9_900, 2_475],
    ['auto when the limit cannot be read assumes 20,000', config, 9_900, null, 2_475],
    ['a smaller in-flight budget leaves more for connections', config, 40, 19_760, 4_940],
    ['configured', { ...config, maxConnections: 500, maxConnectionsPerAddress: 20 }, 9_900, 500, 20],
    ['per address off', { ...config, maxConnectionsPerAddress: 'off' }, 9_900, 9_900, null],
  ])('%s', (_name, c, budget, max, perAddress) => {
    const s = connectionLimitsFromConfig(c, budget, quiet, max === null ? null : 20_000);
    expect({ max: s.max, perAddress: s.perAddress }).toEqual({ max: max ?? 9_900, perAddress });
  });

  it('logs a ceiling that with the budget leaves no reserve', () => {
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as pino.Logger;
    connectionLimitsFromConfig({ ...config, maxConnections: 15_000 }, 9_900, logger, 20_000);
    expect(warnings).toEqual([expect.stringContaining('PROXY_MAX_CONNECTIONS with the in-flight budget is more than the open-file limit holds')]);
  });
});

/** A listener that hands every connection to `limits`, and `n` clients of it that never close (not even their side when the server ends its own). */
async function acceptInto(limits: ConnectionLimits, n: number): Promise<{ clients: Array<{ socket: Socket; got: string; closed: boolean }>; close: () => void }> {
  const server = createServer((socket) => {
    if (limits.accept(socket, true)) socket.on('close', () => limits.release(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const clients = await Promise.all(
    Array.from({ length: n }, async () => {
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const c = { socket, got: '', closed: false };
      socket.on('data', (d: Buffer) => (c.got += d.toString('latin1')));
      socket.on('error', () => undefined);
      // The server's FIN (or reset): with allowHalfOpen the client's 'close' waits for its own end.
      socket.on('end', () => (c.closed = true));
      socket.on('close', () => (c.closed = true));
      await once(socket, 'connect');
      return c;
    }),
  );
  await new Promise((r) => setTimeout(r, 200));
  return {
    clients,
    close: () => {
      for (const c of clients) c.socket.destroy();
      server.close();
    },
  };
}

describe('ConnectionLimits with real sockets', () => {
  const settings = (max: number, perAddress: number | null, trusted = NO_TRUSTED_PROXIES): ConnectionLimitSettings => ({ max, perAddress, trusted });

  it(`answers at most ${REFUSALS_ANSWERED_AT_ONCE} refusals at once; past that a refused connection is closed unanswered`, async () => {
    const refused: string[] = [];
    const limits = new ConnectionLimits(settings(1, null), { refused: (why) => refused.push(why) }, quiet);
    const { clients, close } = await acceptInto(limits, REFUSALS_ANSWERED_AT_ONCE + 11);
    try {
      // One accepted; the rest refused at the ceiling. Their clients never close, so each answered
      // refusal lingers (up to LINGER_IDLE_MS) and holds its place among the answered.
      expect(limits.open).toBe(1);
      expect(refused.length).toBe(REFUSALS_ANSWERED_AT_ONCE + 10);
      expect(clients.filter((c) => c.got.startsWith('HTTP/1.1 503 ')).length).toBe(REFUSALS_ANSWERED_AT_ONCE);
      expect(clients.filter((c) => c.got === '' && c.closed).length).toBe(10);
    } finally {
      close();
    }
  });

  it('counts an IPv6 /64 as one address and exempts trusted proxies', () => {
    // The cap binds from 6 open (half of 12): the balancer's 5 and the /64's first take the proxy there.
    const limits = new ConnectionLimits(settings(12, 2, (parseTrustedProxies('10.0.0.0/8') as { ok: true; value: ConnectionLimitSettings['trusted'] }).value), { refused: () => undefined }, quiet);
    const fake = (remoteAddress: string): Socket => ({ remoteAddress, write: () => true, resume: () => undefined, end: () => undefined, destroy: () => undefined, on: () => undefined, once: () => undefined, bytesRead: 0 }) as unknown as Socket;
    for (let i = 0; i < 5; i += 1) expect(limits.accept(fake('10.1.2.3'), false)).toBe(true);
    expect(limits.accept(fake('2001:db8:1:2::1'), false)).toBe(true);
    expect(limits.accept(fake('2001:db8:1:2:ffff::9'), false)).toBe(true);
    expect(limits.accept(fake('2001:db8:1:2::3'), false)).toBe(false);
    expect(limits.accept(fake('2001:db8:1:3::1'), false)).toBe(true);
    // Past half the ceiling and past the cap's worth, the balancer is still not capped by address.
    for (let i = 0; i < 3; i += 1) expect(limits.accept(fake('10.1.2.3'), false)).toBe(true);
    expect(limits.open).toBe(11);
    expect(limits.unprovenOf('2001:db8:1:2::77')).toBe(2);
  });

  it('takes a burst from one address past its cap while under half the ceiling, and no more than half', () => {
    const limits = new ConnectionLimits(settings(100, 10), { refused: () => undefined }, quiet);
    const fake = (): Socket => ({ remoteAddress: '192.0.2.7', destroy: () => undefined, on: () => undefined }) as unknown as Socket;
    let accepted = 0;
    for (let i = 0; i < 80; i += 1) if (limits.accept(fake(), false)) accepted += 1;
    expect({ accepted, unproven: limits.unprovenOf('192.0.2.7') }).toEqual({ accepted: 50, unproven: 50 });
  });

  it('logs refusals at most once per reason per window, saying how many it left out', () => {
    const lines: Array<{ refusedSinceLastLog: number; msg: string }> = [];
    const logger = { warn: (o: { refusedSinceLastLog: number }, msg: string) => lines.push({ refusedSinceLastLog: o.refusedSinceLastLog, msg }) } as unknown as pino.Logger;
    let t = 0;
    const limits = new ConnectionLimits(settings(0, null), { refused: () => undefined }, logger, () => t);
    const fake = (): Socket => ({ remoteAddress: '192.0.2.1', destroy: () => undefined, on: () => undefined }) as unknown as Socket;
    for (let i = 0; i < 100; i += 1) limits.accept(fake(), false);
    t += REFUSAL_LOG_EVERY_MS;
    limits.accept(fake(), false);
    expect(lines.map((l) => l.refusedSinceLastLog)).toEqual([0, 99]);
    expect(lines[0]?.msg).toContain('PROXY_MAX_CONNECTIONS');
  });
});

describe('perAddressCapBinds', () => {
  it.each<[string, number, number, number | null, boolean]>([
    // [case, unproven of the address, open, cap, refused]
    ['under the cap, at the ceiling', 9, 99, 10, false],
    ['at the cap, under half the ceiling', 10, 49, 10, false],
    ['far past the cap, under half the ceiling', 49, 49, 10, false],
    ['at the cap, at half the ceiling', 10, 50, 10, true],
    ['past the cap, past half', 30, 80, 10, true],
    ['no cap', 80, 99, null, false],
  ])('%s', (_name, unproven, open, perAddress, refused) => {
    expect(perAddressCapBinds(unproven, open, { max: 100, perAddress })).toBe(refused);
  });

  it('never lets one address hold more than max(cap, half the ceiling) unproven connections, whatever the others do', () => {
    // Random accepts, proofs and closes of three addresses against small ceilings and caps.
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    let pastTheCap = 0;
    for (let max = 1; max <= 40; max += 1) {
      for (let cap = 1; cap <= max; cap += 3) {
        const unproven = [0, 0, 0];
        let open = 0;
        let worst = 0;
        for (let step = 0; step < 400; step += 1) {
          const a = rnd(3);
          const op = rnd(10);
          const u = unproven[a] ?? 0;
          if (op < 7) {
            if (open < max && !perAddressCapBinds(u, open, { max, perAddress: cap })) {
              unproven[a] = u + 1;
              open += 1;
              worst = Math.max(worst, u + 1);
            }
          } else if (op === 7 && u > 0) {
            unproven[a] = u - 1; // proven: still open
          } else if (open > 0) {
            // Closed: one of its address's unproven connections if it has one, else a proven one.
            if (u > 0) unproven[a] = u - 1;
            if (u > 0 || open > unproven.reduce((x, y) => x + y, 0)) open -= 1;
          }
        }
        expect(worst, `max ${max}, cap ${cap}`).toBeLessThanOrEqual(Math.max(cap, Math.ceil(max / 2)));
        if (worst > cap) pastTheCap += 1;
      }
    }
    // The bound is not the cap: under half the ceiling an address went past it.
    expect(pastTheCap).toBeGreaterThan(0);
  });
});
