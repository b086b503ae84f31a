import type { Rng } from '../../shared/decision/types.ts';

/**
 * Seeded pseudo-random numbers for the simulator (mulberry32 over an FNV-1a
 * hash of the seed string) plus the few distributions it needs. Separate
 * streams (arrivals vs. each strategy) keep arrivals identical across strategies.
 */
export class Random implements Rng {
  private state: number;

  constructor(seed: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) {
      h ^= seed.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.state = h >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller; one of the pair is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson count; normal approximation above mean 30 (aggregated arrivals are large). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Binomial count; exact (CDF inversion, O(np)) for small n, normal approximation for large n. */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const mean = n * p;
    if (n >= 40 && mean >= 10) {
      const sd = Math.sqrt(mean * (1 - p));
      return Math.min(n, Math.max(0, Math.round(mean + sd * this.normal())));
    }
    const u = this.next();
    const ratio = p / (1 - p);
    let pmf = (1 - p) ** n;
    let cdf = pmf;
    let k = 0;
    while (u > cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * ratio;
      k++;
      cdf += pmf;
    }
    return k;
  }

  /** Split n over categories with the given probabilities (need not sum to 1); writes into `out`. */
  multinomial(n: number, probs: readonly number[], out: number[]): void {
    let total = 0;
    for (const p of probs) total += p;
    let left = n;
    for (let i = 0; i < probs.length; i++) {
      const p = probs[i] ?? 0;
      if (left === 0 || total <= 0) {
        out[i] = 0;
        continue;
      }
      const k = this.binomial(left, Math.min(1, p / total));
      out[i] = k;
      left -= k;
      total -= p;
    }
    // Floating-point leftovers go to the most likely category so no request is lost.
    if (left > 0) {
      let best = 0;
      for (let i = 1; i < probs.length; i++) if ((probs[i] ?? 0) > (probs[best] ?? 0)) best = i;
      out[best] = (out[best] ?? 0) + left;
    }
  }
}
