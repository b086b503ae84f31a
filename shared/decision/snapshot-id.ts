/**
 * The content address of a serialised snapshot of `appId` (`decision_snapshots.id`): the app id,
 * then two independent 32-bit hash lanes over the JSON's UTF-16 code units plus its length.
 * Synchronous and the same in workerd and Node (no SubtleCrypto promise in the proxy's batch
 * writer); computed once per snapshot object (record-json.ts memoises it). Two distinct snapshots
 * of one length sharing 64 hash bits is practically impossible for the ~10^8 snapshots a database
 * holds in a year. The hash is not cryptographic, so the app id comes first: a collision crafted
 * by one tenant (whose config is part of its snapshots) can only ever name its own app's rows,
 * never make another tenant's decisions replay from its snapshot or its own from another's.
 */
export function snapshotId(appId: string, json: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return `${appId}:${hex(fmix(a))}${hex(fmix(b ^ json.length))}-${json.length.toString(36)}`;
}

/** murmur3's finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
