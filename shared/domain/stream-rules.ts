/**
 * Per-app stream resilience rules (`requests.streams`): heartbeats before the first token and
 * mid-stream continuation on another replica. Both are opt-in: a heartbeat stream answers its
 * headers before any replica did (so a replica's status and headers cannot reach the client),
 * and a continuation runs part of a generation twice on different replicas.
 */
export interface AppStreamRules {
  /**
   * Streaming requests (`"stream": true` in a JSON body, or `Accept: text/event-stream`) get
   * `200 text/event-stream` at once and an SSE comment every `heartbeatIntervalMs` until the
   * replica's first body byte, so idle-cutting middleboxes (Cloudflare: 100 s) keep the stream.
   */
  readonly heartbeats: boolean;
  readonly heartbeatIntervalMs: number;
  /**
   * When a replica dies after a chat/completions stream emitted text, the proxy asks another
   * replica to continue the partial answer and splices it into the same SSE stream.
   */
  readonly continuation: boolean;
  /** Emitted text kept per stream for a continuation (UTF-16 units); past it, no continuation. */
  readonly continuationMaxChars: number;
}

export const DEFAULT_STREAM_RULES: AppStreamRules = Object.freeze({
  heartbeats: false,
  heartbeatIntervalMs: 15_000,
  continuation: false,
  continuationMaxChars: 256 * 1024,
});

const KEYS = Object.keys(DEFAULT_STREAM_RULES);

function int(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Validates `requests.streams`; each problem is `[key, message]` below `streams`. */
export function resolveStreamRules(
  value: unknown,
): { readonly rules: AppStreamRules; readonly problems: ReadonlyArray<readonly [string | null, string]> } {
  const d = DEFAULT_STREAM_RULES;
  if (value === undefined) return { rules: d, problems: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { rules: d, problems: [[null, 'must be an object such as { heartbeats: true, continuation: true }']] };
  }
  const raw = value as Record<string, unknown>;
  const problems: Array<readonly [string | null, string]> = [];
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) problems.push([k, `unknown stream rule (known: ${KEYS.join(', ')})`]);
  const bool = (k: 'heartbeats' | 'continuation'): boolean => {
    const v = raw[k];
    if (v === undefined) return d[k];
    if (typeof v === 'boolean') return v;
    problems.push([k, 'must be true or false']);
    return d[k];
  };
  const num = (k: 'heartbeatIntervalMs' | 'continuationMaxChars', min: number, max: number): number => {
    const v = raw[k];
    if (v === undefined) return d[k];
    if (int(v, min, max)) return v;
    problems.push([k, `must be an integer from ${min} to ${max}`]);
    return d[k];
  };
  return {
    rules: {
      heartbeats: bool('heartbeats'),
      heartbeatIntervalMs: num('heartbeatIntervalMs', 100, 600_000),
      continuation: bool('continuation'),
      continuationMaxChars: num('continuationMaxChars', 1, 16 * 1024 * 1024),
    },
    problems,
  };
}
