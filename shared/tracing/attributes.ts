/**
 * What may go into a span attribute. Traces leave the fleet (to a collector, a vendor), so the
 * rule is applied where every span is built, on edge and proxy alike:
 *   - a credential never: keys that name one (authorization, api key, token, secret, password,
 *     cookie, credential) are dropped, and string values that look like one (a bearer value, a
 *     compact JWS such as a routing token, an `sk-…` key) are dropped whatever their key;
 *   - URLs lose their query and user info (`?sy_token=` carries a routing token);
 *   - request/response content (prompts, completions, bodies) only when the app opted in.
 * Pure and table-tested (attributes.test.ts).
 */

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface AttributeRules {
  /** The app opted in to content capture (prompts, completions). Credentials stay out regardless. */
  readonly allowContent: boolean;
}

/**
 * The project (tenant) of a request's trace, set on its server span by the edge and the proxy only
 * once the request's API key or routing token verified (a path alone names any project). The
 * OTLP receiver shares its row cap between projects by it (control/otlp-receiver/trace-store.ts).
 */
export const PROJECT_ATTRIBUTE = 'switchyard.project';

/** Longest string value kept (content included); longer values are cut, marked with `…`. */
export const MAX_ATTRIBUTE_CHARS = 4096;

const SECRET_SEGMENTS = new Set(['authorization', 'token', 'secret', 'password', 'passwd', 'cookie', 'credential', 'credentials', 'signature']);
const CONTENT_KEYS = [
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'http.request.body',
  'http.response.body',
];
// `url.path` too: an absolute-form request target (`GET http://user:pw@host/p?key=…`) is a path
// as far as a server's `req.url` goes.
const URL_KEYS = new Set(['url.full', 'url.original', 'url.path', 'http.url', 'http.target']);
const DROPPED_KEYS = new Set(['url.query']);

// One pass per value: a bearer/basic credential, a compact JWS (a routing token), an `sk-…` key.
const SECRET_VALUE = /^\s*(?:bearer|basic)\s+\S|\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}|\bsk-[\w-]{8,}/i;

/** Does this attribute key name a credential? Judged per segment, so `…input_tokens` is fine. */
export function secretKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (lower.replace(/[._-]/g, '').includes('apikey')) return true;
  return lower.split(/[._-]/).some((seg) => SECRET_SEGMENTS.has(seg));
}

/** Is this key request or response content (a prompt, a completion, a body)? */
export function contentKey(key: string): boolean {
  const lower = key.toLowerCase();
  return CONTENT_KEYS.some((k) => lower === k || lower.startsWith(`${k}.`));
}

/** Does this string look like a credential, whatever key it sits under? */
export function secretValue(value: string): boolean {
  return SECRET_VALUE.test(value);
}

/** A URL without query, fragment and user info; unparsable input is cut at `?`/`#`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return url.split(/[?#]/, 1)[0] ?? '';
  }
}

function cut(value: string): string {
  return value.length <= MAX_ATTRIBUTE_CHARS ? value : `${value.slice(0, MAX_ATTRIBUTE_CHARS - 1)}…`;
}

/** 0 = keep, 1 = always drop, 2 = content: keep only when allowed. Keys are few and fixed: memoised. */
const verdicts = new Map<string, 0 | 1 | 2>();
function keyVerdict(key: string): 0 | 1 | 2 {
  let v = verdicts.get(key);
  if (v === undefined) {
    v = DROPPED_KEYS.has(key) || secretKey(key) ? 1 : contentKey(key) ? 2 : 0;
    if (verdicts.size < 4096) verdicts.set(key, v);
  }
  return v;
}

/** The attributes that may be exported, with URLs redacted. Never throws. */
export function safeAttributes(attrs: Readonly<Record<string, AttributeValue | null | undefined>>, rules: AttributeRules): Attributes {
  const out: Attributes = {};
  for (const key in attrs) {
    const value = attrs[key];
    if (value === null || value === undefined) continue;
    const verdict = keyVerdict(key);
    if (verdict === 1 || (verdict === 2 && !rules.allowContent)) continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out[key] = value;
      continue;
    }
    if (typeof value === 'boolean') {
      out[key] = value;
      continue;
    }
    const v = URL_KEYS.has(key) ? redactUrl(value) : value;
    if (secretValue(v)) continue;
    out[key] = cut(v);
  }
  return out;
}
