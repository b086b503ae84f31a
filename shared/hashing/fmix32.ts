/**
 * murmur3's 32-bit finaliser: every input bit reaches every output bit. FNV-1a alone mixes its
 * last characters poorly into the high bits; the hashes that use it (consistent hashing, prefix
 * blocks, snapshot ids) finish with this. Pure; the same in Node and workerd.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
