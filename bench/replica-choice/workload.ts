/**
 * The shared-prefix workload, the same sequence for every strategy (seeded): many tenants,
 * each with a long system prompt and short questions, plus one-off prompts nobody shares.
 */

export interface WorkloadSettings {
  readonly tenants: number;
  readonly systemWords: number;
  readonly questionWords: number;
  readonly oneOffWords: number;
  /** Share of requests that are one-off prompts. */
  readonly oneOffShare: number;
  readonly maxTokens: number;
}

export interface BenchRequest {
  /** Tenant index, or -1 for a one-off prompt. */
  readonly tenant: number;
  readonly key: string;
  readonly body: string;
  /** Open-loop send time offset (ms from the start). */
  readonly at: number;
}

/** Mulberry32: small, fast, good enough for a workload generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(rand: () => number, n: number, prefix: string): string {
  return Array.from({ length: n }, () => `${prefix}${Math.floor(rand() * 50_000).toString(36)}`).join(' ');
}

/** Poisson arrivals at `rps` for `seconds`. */
export function workload(s: WorkloadSettings, rps: number, seconds: number, seed: number): BenchRequest[] {
  const rand = seeded(seed);
  const systems = Array.from({ length: s.tenants }, (_, t) => `You are the assistant of tenant ${t}. ${words(rand, s.systemWords, 't')}`);
  const out: BenchRequest[] = [];
  let at = 0;
  for (let i = 0; ; i++) {
    at += (-Math.log(1 - rand()) / rps) * 1000;
    if (at >= seconds * 1000) break;
    const oneOff = rand() < s.oneOffShare;
    const tenant = oneOff ? -1 : Math.floor(rand() * s.tenants);
    const messages = oneOff
      ? [{ role: 'user', content: words(rand, s.oneOffWords, 'o') }]
      : [
          { role: 'system', content: systems[tenant] ?? '' },
          { role: 'user', content: words(rand, s.questionWords, 'q') },
        ];
    out.push({
      tenant,
      key: oneOff ? `one-off-${i}` : `tenant-${tenant}`,
      body: JSON.stringify({ model: 'bench-llm', stream: true, max_tokens: s.maxTokens, messages }),
      at,
    });
  }
  return out;
}
