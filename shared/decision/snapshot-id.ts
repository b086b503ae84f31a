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
import { fmix32 } from '../hashing/fmix32.ts';
export function snapshotId(appId: string, json: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return `${appId}:${hex(fmix32(a))}${hex(fmix32(b ^ json.length))}-${json.length.toString(36)}`;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
