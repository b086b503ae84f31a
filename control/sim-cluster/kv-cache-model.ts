/**
 * The simulated replica's prefix caching, as vLLM and SGLang do it: the prompt's tokens (our
 * tokenizer: words) in blocks of `kvBlockTokens`, each block keyed by a SHA-256 chain over
 * its parent's key and its tokens; an LRU of blocks holds `kvBlocks`. Time to first token
 * is queueing + the prefill of the tokens not already cached, and prefills run one at a time
 * (they share the GPU's compute), so cache misses queue behind each other. What the proxy
 * may learn of this is only what `/metrics` says: usage, capacity, hit counters.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';

export interface KvSettings {
  readonly kvBlocks: number;
  readonly kvBlockTokens: number;
  /** Prefill speed; the prefill of uncached tokens takes tokens / this seconds. */
  readonly prefillTokensPerSecond: number;
}

/** What `/metrics` reports about the KV cache. */
export interface KvReport {
  readonly blocks: number;
  readonly blockTokens: number;
  /** Blocks held by running requests / all blocks (evictable cached blocks are free, as in vLLM). */
  readonly usage: number;
  /** Prompt tokens looked up in / found in the prefix cache since start. */
  readonly queries: number;
  readonly hits: number;
}

/** One admitted prompt's share of the cache; `release` when the request ends. */
export interface Prefill {
  readonly cachedTokens: number;
  readonly prefillMs: number;
  release(): void;
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

export class KvCacheModel {
  private readonly lru = new Map<string, true>();
  private activeBlocks = 0;
  private queries = 0;
  private hits = 0;
  /** When the prefill lane is free again (ms, performance.now clock). */
  private laneFreeAt = 0;

  constructor(private readonly s: KvSettings) {}

  /** Block keys of a request body's prompt (empty when it has none). */
  keysOf(body: unknown): string[] {
    const text = renderPrompt(body);
    if (text === null) return [];
    const toks = words(text);
    const size = this.s.kvBlockTokens;
    const keys: string[] = [];
    let parent = '';
    for (let i = 0; i + size <= toks.length; i += size) {
      parent = createHash('sha256').update(parent).update('\u0000').update(toks.slice(i, i + size).join(' ')).digest('base64');
      keys.push(parent);
    }
    return keys;
  }

  /**
   * Looks the prompt up (leading cached blocks count as hits), inserts its blocks as the
   * freshest, and waits in the prefill lane for the uncached tokens' prefill.
   */
  async prefill(body: unknown, promptTokens: number, outputTokens: number, signal: AbortSignal): Promise<Prefill> {
    const keys = this.keysOf(body);
    let cachedBlocks = 0;
    while (cachedBlocks < keys.length && this.lru.has(keys[cachedBlocks] as string)) cachedBlocks++;
    for (const k of keys) {
      this.lru.delete(k);
      this.lru.set(k, true);
    }
    this.evict();
    const cachedTokens = Math.min(promptTokens, cachedBlocks * this.s.kvBlockTokens);
    this.queries += promptTokens;
    this.hits += cachedTokens;
    const held = Math.ceil((promptTokens + outputTokens) / this.s.kvBlockTokens);
    this.activeBlocks += held;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.activeBlocks -= held;
    };
    const prefillMs = ((promptTokens - cachedTokens) / this.s.prefillTokensPerSecond) * 1000;
    const now = performance.now();
    const start = Math.max(now, this.laneFreeAt);
    this.laneFreeAt = start + prefillMs;
    try {
      if (this.laneFreeAt - now >= 1) await sleep(this.laneFreeAt - now, undefined, { signal });
    } catch (err) {
      release();
      throw err;
    }
    return { cachedTokens, prefillMs, release };
  }

  report(): KvReport {
    return {
      blocks: this.s.kvBlocks,
      blockTokens: this.s.kvBlockTokens,
      usage: Math.min(1, this.activeBlocks / this.s.kvBlocks),
      queries: this.queries,
      hits: this.hits,
    };
  }

  private evict(): void {
    let excess = this.lru.size - this.s.kvBlocks;
    if (excess <= 0) return;
    for (const k of this.lru.keys()) {
      if (excess-- <= 0) break;
      this.lru.delete(k);
    }
  }
}
