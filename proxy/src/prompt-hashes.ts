/**
 * The prefix-block hashes of a request's prompt (inference-aware replica choice). Pure: called on
 * the event loop for small bodies and on the parse thread (body-parse-thread.ts) for large ones.
 */
import { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';
import { blockHashes, tenantSeed } from '../../shared/prefix-cache/block-hashes.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { parseJsonBody, saltParsed, type SaltKey } from './prompt-cache-salt.ts';

/** A prompt past this many blocks (256 K characters at the default size) adds nothing to a choice. */
const MAX_BLOCKS = 4096;

/**
 * The prompt's block hashes for `appId`, or null (not JSON, no prompt, shorter than one block).
 * Salted by the app's project (`tenantSeed`): only the same tenant's prompts share a prefix.
 */
export function promptHashes(bytes: Uint8Array, blockChars: number, appId: string): readonly number[] | null {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  return renderedPromptHashes(renderPrompt(body), blockChars, appId);
}

/** The block hashes of a prompt already rendered (`renderPrompt`), so a body parsed once serves both. */
export function renderedPromptHashes(text: string | null, blockChars: number, appId: string): readonly number[] | null {
  if (text === null) return null;
  const hashes = blockHashes(text, blockChars, MAX_BLOCKS, tenantSeed(projectOfAppId(appId)));
  return hashes.length > 0 ? hashes : null;
}

/** A prompt read for an app that salts its project's prompt cache: the bytes to send and the hashes. */
export type SaltedPrompt =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly hashes: readonly number[] | null }
  | { readonly ok: false; readonly message: string };

/** `promptHashes` and `saltedPromptBody` from one parse; hashed as the client sent it. */
export function saltedPromptHashes(bytes: Uint8Array, blockChars: number, appId: string, key: SaltKey): SaltedPrompt {
  const parsed = parseJsonBody(bytes);
  if (!parsed.ok) return parsed;
  const salted = saltParsed(parsed.json, bytes, key);
  if (!salted.ok) return salted;
  return { ok: true, bytes: salted.bytes, hashes: renderedPromptHashes(renderPrompt(parsed.json), blockChars, appId) };
}
