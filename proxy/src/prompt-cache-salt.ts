/**
 * Keeps one project's cached prompts out of another's reach on a shared engine replica. vLLM and
 * SGLang reuse the KV cache of any earlier prompt with the same prefix, so without this a request
 * from project B that repeats project A's prompt returns at once with `cached_tokens` > 0: an
 * oracle telling B what A sent (session 49's review: 592 cached tokens in 9 ms against 0 in
 * 303 ms). Both engines mix a request's `cache_salt` into their prefix hashes, so the proxy writes
 * one derived from the verified project into every OpenAI-style body (`messages`, `prompt` or
 * `input`) of an app whose `requests.promptCache` is `project` (the default). A salt the client
 * sent itself is kept inside ours, so it still separates its own users; it can never name
 * another project's. Pure but for the HMAC: the parse thread runs it for large bodies.
 */
import { createHmac } from 'node:crypto';

/** What a project's salt is made from: the operator's secret (may be empty) and the project. */
export interface SaltKey {
  readonly secret: string;
  readonly project: string;
  /**
   * An app anyone may call (`auth: false`) has a salt of its own, not its project's: its callers
   * are nobody's, and must not reach the cache of the project's private apps. Absent: none.
   */
  readonly openApp?: string;
}

export type SaltedBody = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

/** Top-level keys that carry a prompt an engine caches (chat, completions, responses, embeddings). */
const PROMPT_KEYS = ['messages', 'prompt', 'input'] as const;

/**
 * Top-level keys whose value an engine mixes into its prefix hashes: `cache_salt` (vLLM, SGLang)
 * and SGLang's `extra_key` (appended to the salt; alone, the whole key of its native `/generate`).
 * Wherever the client names one, even in a body with no prompt key (vLLM's token-in generate,
 * SGLang's `/generate`), it reaches the engine only inside its project's salt: sent as given, it
 * could name another project's (computable without the operator's secret).
 */
const CACHE_KEYS = ['cache_salt', 'extra_key'] as const;

/**
 * The salt a project's request carries: HMAC-SHA-256 under the operator's secret of the project
 * (length-prefixed) and the client's own salt when it sent one, so no two (project, client salt)
 * pairs meet. base64url: 43 characters, as vLLM's docs advise.
 */
export function projectCacheSalt(key: SaltKey, clientSalt: string | null): string {
  if (clientSalt !== null) return hmacSalt(key, clientSalt);
  // The usual request carries no salt of its own: its project's salt is made once, not per request.
  const memo = `${key.secret.length}:${key.secret}\u0000${key.project}\u0000${key.openApp ?? ''}`;
  let salt = PROJECT_SALTS.get(memo);
  if (salt === undefined) {
    if (PROJECT_SALTS.size >= PROJECT_SALTS_KEPT) PROJECT_SALTS.clear();
    salt = hmacSalt(key, null);
    PROJECT_SALTS.set(memo, salt);
  }
  return salt;
}

/** Projects' own salts (no client salt), by secret and project; cleared whole when full. */
const PROJECT_SALTS = new Map<string, string>();
const PROJECT_SALTS_KEPT = 4096;

function hmacSalt(key: SaltKey, clientSalt: string | null): string {
  const h = createHmac('sha256', key.secret);
  h.update(`switchyard prompt cache 1\u0000${key.project.length}:${key.project}\u0000`);
  if (key.openApp !== undefined) h.update(`open\u0000${key.openApp.length}:${key.openApp}\u0000`);
  if (clientSalt !== null) h.update(`client\u0000${clientSalt}`);
  return h.digest('base64url');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPromptBody(v: unknown): v is Record<string, unknown> {
  return isObject(v) && PROMPT_KEYS.some((k) => v[k] !== undefined);
}

function namesCacheKey(v: unknown): v is Record<string, unknown> {
  return isObject(v) && CACHE_KEYS.some((k) => v[k] !== undefined);
}

/** The client's `cache_salt` (or `extra_key`) inside ours: a string, SGLang's list of strings (one per prompt), or an error. */
function combinedSalt(key: SaltKey, given: unknown, field: string = 'cache_salt'): string | string[] | { readonly error: string } {
  if (given === undefined || given === null) return projectCacheSalt(key, null);
  if (typeof given === 'string') return projectCacheSalt(key, given);
  if (Array.isArray(given) && given.every((s) => typeof s === 'string' || s === null)) {
    return given.map((s: string | null) => projectCacheSalt(key, s));
  }
  return { error: `${field} must be a string (or a list of strings, one per prompt)` };
}

/** A UTF-8 byte-order mark: Python's JSON (the engines') skips it, so it is skipped here too. */
function bomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** Index just past the body's opening `{` (JSON whitespace before it is allowed). */
function afterOpeningBrace(bytes: Uint8Array): number {
  let i = bomLength(bytes);
  while (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d) i++;
  return i + 1;
}

/**
 * The body the engine gets: with the project's `cache_salt`, or as received when it holds no
 * prompt (not an object, or none of `messages`/`prompt`/`input`) and names no cache key of its
 * own (`cache_salt`, `extra_key`: then those are wrapped). A body that is not JSON is
 * refused: the engine would parse it its own way (Python's JSON takes `NaN`, UTF-16) and could
 * then run it unsalted.
 */
export function saltedPromptBody(bytes: Uint8Array, key: SaltKey): SaltedBody {
  const parsed = parseJsonBody(bytes);
  if (!parsed.ok) return parsed;
  const r = saltParsed(parsed.json, bytes, key);
  return r.ok ? { ok: true, bytes: r.bytes } : r;
}

/** The body's JSON (a leading UTF-8 byte-order mark skipped), or why it is not JSON. */
export function parseJsonBody(bytes: Uint8Array): { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly message: string } {
  const bom = bomLength(bytes);
  try {
    return { ok: true, json: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8')) };
  } catch (err) {
    return { ok: false, message: `the request body is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

export type SaltedParsed =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly json: unknown }
  | { readonly ok: false; readonly message: string };

/**
 * `saltedPromptBody` for a body already parsed (`json` from `bytes`), so a body the proxy parses
 * for other reasons (a budget's count, a prompt's hashes) is parsed once: the salted bytes and the
 * salted object. Without a client salt our key is spliced in front of the client's bytes, which
 * stay exactly as sent; with one (or an `extra_key`), the body is re-serialised with it wrapped.
 */
export function saltParsed(json: unknown, bytes: Uint8Array, key: SaltKey): SaltedParsed {
  if (namesCacheKey(json)) return withClientKeysWrapped(json, key);
  if (!isPromptBody(json)) return { ok: true, bytes, json };
  const salt = projectCacheSalt(key, null);
  // The object has a prompt key, so a comma always follows ours.
  const head = Buffer.from(`{"cache_salt":${JSON.stringify(salt)},`);
  return { ok: true, bytes: Buffer.concat([head, bytes.subarray(afterOpeningBrace(bytes))]), json: { cache_salt: salt, ...json } };
}

/**
 * A body naming a cache key of its own, re-serialised: each one it names inside the project's
 * salt, and a prompt body's `cache_salt` always written. A body with no prompt key gets no
 * `cache_salt` it did not send (its endpoint may not know one).
 */
function withClientKeysWrapped(json: Record<string, unknown>, key: SaltKey): SaltedParsed {
  const out: Record<string, unknown> = { ...json };
  for (const field of CACHE_KEYS) {
    if (json[field] === undefined && !(field === 'cache_salt' && isPromptBody(json))) continue;
    const salt = combinedSalt(key, json[field], field);
    if (!Array.isArray(salt) && typeof salt === 'object') return { ok: false, message: salt.error };
    out[field] = salt;
  }
  const text = serialised(out);
  return text === null ? { ok: false, message: 'the request body is nested too deeply to carry a cache key of its own' } : { ok: true, bytes: Buffer.from(text), json: out };
}

/**
 * `json` written out again, or null when it is nested deeper than the stack allows: JSON.parse
 * reads any depth, JSON.stringify recurses, and its RangeError was a 500 (and an error in the log)
 * for what is the client's body.
 */
export function serialised(json: Record<string, unknown>): string | null {
  try {
    return JSON.stringify(json);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}
