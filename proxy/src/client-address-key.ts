/**
 * Who a caller is when it brings no credential: its address, as a key for fair shares (the job
 * routes' store reads, job-route-reads.ts). An IPv6 client gets a whole /64 (one subscriber's
 * usual allocation), else it could take a fresh share per address it rotates through; an
 * IPv4-mapped IPv6 address is its IPv4 address. Addresses are read by ipaddr.js, not by hand.
 * Pure; never throws.
 */
import ipaddr from 'ipaddr.js';

/** The fairness key of a socket's `remoteAddress`. */
export function clientAddressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  // Strict dotted quad only (what a socket reports): ipaddr.js would also read `127.1` or `0x7f.1`.
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address).toString();
  if (!ipaddr.IPv6.isValid(address)) return address; // not an address a socket reports: kept whole, not guessed at
  const ip = ipaddr.IPv6.parse(address);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  return `${ip.parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}
