/**
 * A prompt as a chain of block hashes, as engines key their prefix caches: block i's hash
 * covers block i and every block before it, so two prompts share hash i exactly when they
 * share their first i+1 blocks. Only whole blocks count (engines cache whole blocks only).
 * The proxy has no tokenizer, so a block is `blockChars` characters (≈ 4 per token). Pure.
 */
import { fmix32 } from '../hashing/fmix32.ts';

const FNV_PRIME = 16777619;
const SEED_A = 2166136261;
const SEED_B = 0x9747b28c;
const TWO_32 = 4294967296;

/** One 53-bit hash of (previous hash, text[start, end)): two 32-bit FNV-1a lanes combined. */
function chainHash(prev: number, text: string, start: number, end: number): number {
  const lo = prev % TWO_32;
  const hi = Math.floor(prev / TWO_32);
  let a = Math.imul(SEED_A ^ lo, FNV_PRIME);
  let b = Math.imul(SEED_B ^ hi, FNV_PRIME);
  a = Math.imul(a ^ hi, FNV_PRIME);
  b = Math.imul(b ^ lo, FNV_PRIME);
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, FNV_PRIME);
  }
  return (fmix32(b) & 0x1fffff) * TWO_32 + fmix32(a);
}

/**
 * The chain's starting value for one tenant (project): the same prompt hashes differently in two
 * projects, so one tenant's prompts never steer another's to the replica that cached them. A
 * shared replica's prefix cache answers a hit faster, so steering would turn "is this prefix
 * cached?" into a probe of what another tenant sends.
 */
export function tenantSeed(tenant: string): number {
  return chainHash(0, tenant, 0, tenant.length);
}

/**
 * Hashes of the whole blocks of `text`, at most `maxBlocks` of them (a long prompt's tail adds
 * little), chained from `seed` (`tenantSeed`; 0 = unsalted).
 */
export function blockHashes(text: string, blockChars: number, maxBlocks: number, seed = 0): number[] {
  const n = Math.min(Math.floor(text.length / blockChars), maxBlocks);
  const out = new Array<number>(n);
  let prev = seed;
  for (let i = 0; i < n; i++) {
    prev = chainHash(prev, text, i * blockChars, (i + 1) * blockChars);
    out[i] = prev;
  }
  return out;
}
