/**
 * The parse thread's work (body-parse-thread.ts), one function for both sides: the event loop
 * runs it itself for small bodies, the thread for large ones, so the answer never depends on
 * where a body was parsed.
 */
import { budgetedBody, cappedBody, type BudgetedBody, type PromptHashing } from './budgeted-body.ts';
import { continuationBody, streamFacts, type StreamFacts, type StreamKind } from './continuation-request.ts';
import { promptHashes, saltedPromptHashes, type SaltedPrompt } from './prompt-hashes.ts';
import { saltedPromptBody, type SaltedBody, type SaltKey } from './prompt-cache-salt.ts';

export type ParseTask =
  | { readonly op: 'budgeted'; readonly bytes: Uint8Array; readonly hashing: PromptHashing | null; readonly salt?: SaltKey | null }
  | { readonly op: 'capped'; readonly bytes: Uint8Array; readonly cap: number }
  | { readonly op: 'prompt'; readonly bytes: Uint8Array; readonly hashing: PromptHashing }
  | { readonly op: 'salted-prompt'; readonly bytes: Uint8Array; readonly hashing: PromptHashing; readonly key: SaltKey }
  | { readonly op: 'stream'; readonly bytes: Uint8Array; readonly upstreamPath: string; readonly accept: string | string[] | undefined }
  | { readonly op: 'continuation'; readonly bytes: Uint8Array; readonly kind: StreamKind | null; readonly text: string; readonly tokens: number }
  | { readonly op: 'salt'; readonly bytes: Uint8Array; readonly key: SaltKey };

export type ParseResult<T extends ParseTask> = T extends { op: 'budgeted' }
  ? BudgetedBody
  : T extends { op: 'capped' }
    ? Uint8Array | null
    : T extends { op: 'continuation' }
      ? Uint8Array
      : T extends { op: 'stream' }
        ? StreamFacts
        : T extends { op: 'salt' }
          ? SaltedBody
          : T extends { op: 'salted-prompt' }
            ? SaltedPrompt
            : readonly number[] | null;

export function runParseTask<T extends ParseTask>(task: T): ParseResult<T> {
  switch (task.op) {
    case 'budgeted':
      return budgetedBody(task.bytes, task.hashing, task.salt ?? null) as ParseResult<T>;
    case 'capped':
      return cappedBody(task.bytes, task.cap) as ParseResult<T>;
    case 'prompt':
      return promptHashes(task.bytes, task.hashing.blockChars, task.hashing.appId) as ParseResult<T>;
    case 'salted-prompt':
      return saltedPromptHashes(task.bytes, task.hashing.blockChars, task.hashing.appId, task.key) as ParseResult<T>;
    case 'stream':
      return streamFacts(task.upstreamPath, task.accept, task.bytes) as ParseResult<T>;
    case 'continuation':
      return continuationBody({ kind: task.kind, raw: task.bytes }, task.text, task.tokens) as Uint8Array as ParseResult<T>;
    case 'salt':
      return saltedPromptBody(task.bytes, task.key) as ParseResult<T>;
  }
}

/** The result's bytes, moved (not copied) across the thread boundary. */
export function resultBuffers(result: BudgetedBody | StreamFacts | SaltedBody | SaltedPrompt | Uint8Array | readonly number[] | null): ArrayBuffer[] {
  const bytes = result instanceof Uint8Array ? result : result !== null && 'bytes' in result ? result.bytes : null;
  return bytes !== null && ownsWholeBuffer(bytes) ? [bytes.buffer as ArrayBuffer] : [];
}

/** A view that is its whole ArrayBuffer can be transferred; a slice of a shared pool must be copied. */
function ownsWholeBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer);
}
