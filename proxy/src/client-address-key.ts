/**
 * Who a caller is when it brings no credential: its address, as a key for fair shares (the job
 * routes' store reads, job-route-reads.ts). An IPv6 client gets a whole /64 (one subscriber's
 * usual allocation), else it could take a fresh share per address it rotates through; an
 * IPv4-mapped IPv6 address is its IPv4 address. Pure.
 */

/** The fairness key of a socket's `remoteAddress`. */
export function clientAddressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address.split('%')[0] ?? '');
  return groups === null ? address : `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, normalised (`0db8` → `db8`), or null when it is not one. */
function ipv6Groups(address: string): string[] | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  // An embedded IPv4 tail (`::1.2.3.4`) fills the last two groups.
  const expand = (gs: string[]): string[] => gs.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const head = expand(part(halves[0]));
  const tail = expand(part(halves[1]));
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16).toString(16));
}
