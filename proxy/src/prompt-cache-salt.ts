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
}

export type SaltedBody = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

/** Top-level keys that carry a prompt an engine caches (chat, completions, responses, embeddings). */
const PROMPT_KEYS = ['messages', 'prompt', 'input'] as const;

/**
 * The salt a project's request carries: HMAC-SHA-256 under the operator's secret of the project
 * (length-prefixed) and the client's own salt when it sent one, so no two (project, client salt)
 * pairs meet. base64url: 43 characters, as vLLM's docs advise.
 */
export function projectCacheSalt(key: SaltKey, clientSalt: string | null): string {
  if (clientSalt !== null) return hmacSalt(key, clientSalt);
  // The usual request carries no salt of its own: its project's salt is made once, not per request.
  const memo = `${key.secret.length}:${key.secret}\u0000${key.project}`;
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
  if (clientSalt !== null) h.update(`client\u0000${clientSalt}`);
  return h.digest('base64url');
}

function isPromptBody(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return PROMPT_KEYS.some((k) => o[k] !== undefined);
}

/** The client's `cache_salt` inside ours: a string, SGLang's list of strings (one per prompt), or an error. */
function combinedSalt(key: SaltKey, given: unknown): string | string[] | { readonly error: string } {
  if (given === undefined || given === null) return projectCacheSalt(key, null);
  if (typeof given === 'string') return projectCacheSalt(key, given);
  if (Array.isArray(given) && given.every((s) => typeof s === 'string' || s === null)) {
    return given.map((s: string | null) => projectCacheSalt(key, s));
  }
  return { error: 'cache_salt must be a string (or a list of strings, one per prompt)' };
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
 * prompt (not an object, or none of `messages`/`prompt`/`input`). A body that is not JSON is
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
 * stay exactly as sent; with one, the body is re-serialised with the salt replaced.
 */
export function saltParsed(json: unknown, bytes: Uint8Array, key: SaltKey): SaltedParsed {
  if (!isPromptBody(json)) return { ok: true, bytes, json };
  const salt = combinedSalt(key, json['cache_salt']);
  if (!Array.isArray(salt) && typeof salt === 'object') return { ok: false, message: salt.error };
  if (json['cache_salt'] !== undefined) {
    const out = { ...json, cache_salt: salt };
    return { ok: true, bytes: Buffer.from(JSON.stringify(out)), json: out };
  }
  // The object has a prompt key, so a comma always follows ours.
  const head = Buffer.from(`{"cache_salt":${JSON.stringify(salt)},`);
  return { ok: true, bytes: Buffer.concat([head, bytes.subarray(afterOpeningBrace(bytes))]), json: { cache_salt: salt, ...json } };
}
