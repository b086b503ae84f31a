/**
 * Where an async job's webhook may point. The URL is chosen by whoever submits the job, and the
 * proxy sits inside the fleet: a webhook to a loopback, private or link-local address would let
 * any caller make the proxy POST into operator internals (admin listeners, cloud metadata at
 * 169.254.169.254, other tenants' replicas). So such addresses are refused unless the operator
 * allows them (`PROXY_WEBHOOK_ALLOW_PRIVATE`), both as written in the URL (at submit, a 400) and
 * as a host name resolves at delivery (a name that resolves inside, or rebinds to it later).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Not the public internet: RFC 1918/6598/6890 ranges, loopback, link-local, multicast, reserved. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv4');
// Unique-local, site-local, link-local, multicast, discard-only, local-use NAT64 (RFC 8215).
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fec0::', 10], ['fe80::', 10], ['ff00::', 8], ['100::', 64], ['64:ff9b:1::', 48],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail becomes two), or null. */
function hextets(ip: string): number[] | null {
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  let text = ip.replace(/%.*$/, '');
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, text.length - v4[0].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The IPv4 addresses an IPv6 one carries to reach: well-known NAT64 (64:ff9b::/96, which a
 * DNS64 host uses for every IPv4-only name, so it is judged by its IPv4 address, not refused
 * whole), IPv4-compatible (::/96), IPv4-translated (::ffff:0:0/96, SIIT), 6to4 (2002::/16) and
 * Teredo (2001::/32: the server's address and the client's, stored inverted). Empty for any other.
 */
function embeddedIpv4(ip: string): string[] {
  const h = hextets(ip);
  if (h === null) return [];
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = h as [number, number, number, number, number, number, number, number];
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return [v4(g6, g7)];
  if (h.slice(0, 6).every((g) => g === 0)) return [v4(g6, g7)];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return [v4(g6, g7)];
  if (g0 === 0x2002) return [v4(g1, g2)];
  if (g0 === 0x2001 && g1 === 0) return [v4(g2, g3), v4(g6 ^ 0xffff, g7 ^ 0xffff)];
  return [];
}

/** True for an address a webhook must not reach by default (IPv4 inside IPv6 judged as IPv4). */
export function internalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  if (family === 4) return INTERNAL.check(ip, 'ipv4');
  return INTERNAL.check(ip, 'ipv6') || embeddedIpv4(ip).some((v4) => INTERNAL.check(v4, 'ipv4'));
}

/** The reason `url`'s host as written is refused, or null (names are checked at delivery). */
export function internalHostProblem(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || internalAddress(host)) {
    return `must not point at a loopback, private or link-local address (${host}); an operator can allow it with PROXY_WEBHOOK_ALLOW_PRIVATE=true`;
  }
  return null;
}

/** A DNS lookup for the webhook client that fails when a name resolves to an internal address. */
export function publicOnlyLookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err !== null) return callback(err, '', 0);
      const usable = addresses.filter((a) => !internalAddress(a.address));
      if (usable.length === 0) {
        const e = Object.assign(new Error(`webhook host ${hostname} resolves only to internal addresses (${addresses.map((a) => a.address).join(', ')})`), { code: 'EWEBHOOKINTERNAL' });
        return callback(e, '', 0);
      }
      if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
