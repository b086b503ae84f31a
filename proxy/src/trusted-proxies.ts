/**
 * Which peers may say who the client is (`PROXY_TRUSTED_PROXIES`): behind a load balancer every
 * connection comes from the balancer's address, so the job routes' fair shares by client address
 * (job-route-reads.ts) put every client in one share. A peer listed here is believed about
 * `X-Forwarded-For`: the client is the rightmost address that is not itself a trusted proxy (what
 * the nearest untrusted hop connected from; anything left of it the client may have written). No
 * list (the default): the socket's address, always. Addresses and ranges are read by ipaddr.js.
 * Pure; never throws once parsed.
 */
import ipaddr from 'ipaddr.js';
import type { FieldParser } from '../../shared/env/types.ts';

type Range = readonly [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface TrustedProxies {
  readonly ranges: readonly Range[];
}

export const NO_TRUSTED_PROXIES: TrustedProxies = Object.freeze({ ranges: [] });

const EXPECTED = 'a comma-separated list of addresses or CIDR ranges (e.g. 10.0.0.0/8,fd00::/8,192.0.2.7)';

/** An IPv4-mapped IPv6 address as IPv4, so `::ffff:10.0.0.1` matches `10.0.0.0/8`. */
function plain(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  return ipaddr.IPv6.isValid(text) ? plain(ipaddr.IPv6.parse(text)) : null;
}

export function parseTrustedProxies(raw: string): { ok: true; value: TrustedProxies } | { ok: false; problems: string[] } {
  const ranges: Range[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const slash = entry.indexOf('/');
    const ip = parseAddress(slash < 0 ? entry : entry.slice(0, slash));
    const bits = slash < 0 ? (ip?.kind() === 'ipv4' ? 32 : 128) : Number(entry.slice(slash + 1));
    const max = ip?.kind() === 'ipv4' ? 32 : 128;
    if (ip === null) problems.push(`"${entry}" is not an address`);
    else if (!Number.isInteger(bits) || bits < 0 || bits > max || (slash >= 0 && !/^\d+$/.test(entry.slice(slash + 1)))) problems.push(`"${entry}": the prefix length must be 0–${max}`);
    else ranges.push([ip, bits]);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { ranges } };
}

/** The config field parser: the message lists every bad entry. */
export const trustedProxiesField: FieldParser<TrustedProxies> = Object.assign(
  (raw: string) => {
    const r = parseTrustedProxies(raw);
    return r.ok ? r : { ok: false as const, expected: `${EXPECTED}; ${r.problems.join('; ')}` };
  },
  { expected: EXPECTED },
);

/** Is `address` (a socket's peer) one of the trusted proxies? None listed: never. */
export function isTrustedProxy(t: TrustedProxies, address: string | undefined): boolean {
  return t.ranges.length > 0 && address !== undefined && trusted(t, address);
}

function trusted(t: TrustedProxies, address: string): boolean {
  const ip = parseAddress(address);
  if (ip === null) return false;
  return t.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
}

/**
 * The client's address: the socket's, or, when the socket's peer is a trusted proxy, the
 * rightmost `X-Forwarded-For` entry that is not a trusted proxy (the leftmost when all are).
 */
export function clientAddress(t: TrustedProxies, remote: string | undefined, forwardedFor: string | string[] | undefined): string | undefined {
  if (t.ranges.length === 0 || remote === undefined || forwardedFor === undefined || !trusted(t, remote)) return remote;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim()).filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trusted(t, hop)) return hop;
  }
  return hops[0] ?? remote;
}
