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
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

/** True for an address a webhook must not reach by default (IPv4-mapped IPv6 included). */
export function internalAddress(ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && INTERNAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
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
