import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { internalAddress, internalHostProblem, publicOnlyLookup } from './webhook-address.ts';

describe('internalAddress', () => {
  it.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true],
    ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true],
    ['::1', true], ['::', true], ['fd12:3456::1', true], ['fe80::1', true], ['::ffff:127.0.0.1', true], ['::ffff:10.0.0.1', true],
    // IPv4 carried in IPv6: NAT64 (judged by the IPv4 it reaches), IPv4-compatible, 6to4; site-local; local-use NAT64.
    ['64:ff9b::a00:1', true], ['64:ff9b::10.0.0.1', true], ['64:ff9b::808:808', false], ['::7f00:1', true], ['::127.0.0.1', true],
    ['2002:7f00:1::', true], ['2002:a9fe:a9fe::1', true], ['2002:808:808::1', false], ['fec0::1', true], ['64:ff9b:1::1', true], ['100::1', true],
    // IPv4-translated (SIIT) and Teredo (server, and the client stored inverted: 0x80ff:fffe = ~127.0.0.1).
    ['::ffff:0:7f00:1', true], ['::ffff:0:10.0.0.1', true], ['::ffff:0:808:808', false],
    ['2001:0:a00:1::1', true], ['2001:0:808:808::80ff:fffe', true], ['2001:0:808:808::f7f7:f7f7', false],
    ['8.8.8.8', false], ['172.32.0.1', false], ['100.128.0.1', false], ['2606:4700::1111', false], ['::ffff:8.8.8.8', false],
    ['example.com', false], ['', false],
  ])('%s → %s', (ip, internal) => expect(internalAddress(ip)).toBe(internal));
});

describe('internalHostProblem', () => {
  it.each([
    ['http://127.0.0.1:8080/hook', true], ['http://[::1]/hook', true], ['http://169.254.169.254/latest/meta-data', true],
    ['https://LOCALHOST/hook', true], ['http://api.localhost/hook', true], ['http://[::ffff:7f00:1]/hook', true],
    ['https://hooks.example.com/x', false], ['https://93.184.216.34/x', false],
  ])('%s refused: %s', (url, refused) => {
    const problem = internalHostProblem(new URL(url));
    expect(problem !== null).toBe(refused);
    if (refused) expect(problem).toContain('PROXY_WEBHOOK_ALLOW_PRIVATE');
  });
});

describe('publicOnlyLookup', () => {
  const resolver = (answers: LookupAddress[]) =>
    ((_host: string, _o: unknown, cb: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) => cb(null, answers)) as never;
  const run = (answers: LookupAddress[], all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      publicOnlyLookup(resolver(answers))('hooks.example', { all }, (err, address) => resolve({ err, address })),
    );

  it('refuses a name that resolves only inside', async () => {
    const { err } = await run([{ address: '10.0.0.5', family: 4 }, { address: '::1', family: 6 }], false);
    expect(err?.message).toMatch(/resolves only to internal addresses \(10\.0\.0\.5, ::1\)/);
  });
  it('connects to the public addresses of a name that resolves to both', async () => {
    expect((await run([{ address: '127.0.0.1', family: 4 }, { address: '93.184.216.34', family: 4 }], false)).address).toBe('93.184.216.34');
    expect((await run([{ address: '127.0.0.1', family: 4 }, { address: '93.184.216.34', family: 4 }], true)).address).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });
});
