/**
 * For inference-aware apps: read a JSON request body (declared length within
 * `promptBodyMaxBytes`) to find its prompt, then forward exactly those bytes. Anything else —
 * GET, no or unknown length, over the cap, not JSON — is never read here and is chosen by load
 * alone, as least outstanding does. Response streaming is untouched.
 */
import { declaredLength } from './body-limit.ts';
import type { ClientRequest } from './client-io.ts';
import { asBuffer } from './budgeted-body.ts';
import { ProxyError } from './errors.ts';
import { promptBodyInvalid, saltKey, saltsPromptCache } from './prompt-cache-isolation.ts';
import type { ProxyRuntime } from './runtime.ts';

export interface PromptBody {
  /** What is forwarded: the body as received, or rewritten (the project's salt, a budget's usage and cap). */
  readonly bytes: Buffer;
  /** The body as the client sent it, for the trace; absent when already traced (a budgeted body, at admission). */
  readonly received?: Buffer;
  /** The prompt's block hashes; null when the body holds no prompt we understand. */
  readonly hashes: readonly number[] | null;
}

/** Should this request's body be read before choosing a replica? */
export function readsPrompt(rt: ProxyRuntime, req: ClientRequest, appId: string): boolean {
  if (rt.registry.routing(appId).strategy !== 'inference-aware' || req.method !== 'POST') return false;
  const length = declaredLength(req.headers);
  const type = String(req.headers['content-type'] ?? 'application/json').toLowerCase();
  return length !== null && length > 0 && length <= rt.config.promptBodyMaxBytes && type.includes('json');
}

function bodyAborted(detail: string): ProxyError {
  return new ProxyError('client-body-aborted', 400, `the client's request body ended early: ${detail}`);
}

/** Reads the whole body (`readDeclaredBody`) and hashes its prompt. */
export async function readPromptBody(rt: ProxyRuntime, req: ClientRequest, target: { readonly appId: string; readonly project: string }): Promise<PromptBody> {
  const bytes = await readDeclaredBody(req);
  // Parsed on the parse thread if large (body-parser.ts); the bytes are copied there, forwarded from here.
  const hashing = { blockChars: rt.config.prefixBlockChars, appId: target.appId };
  if (!saltsPromptCache(rt, req, target.appId)) return { bytes, received: bytes, hashes: await rt.bodyParser.run(target.project, { op: 'prompt', bytes, hashing }) };
  // Salted for the project's prompt cache from the same parse (prompt-cache-isolation.ts).
  const salted = await rt.bodyParser.run(target.project, { op: 'salted-prompt', bytes, hashing, key: saltKey(rt, target) });
  if (!salted.ok) throw promptBodyInvalid(salted.message);
  return { bytes: asBuffer(salted.bytes), received: bytes, hashes: salted.hashes };
}

/**
 * Reads the whole body of a request that declared its length; a client that stops short gets a
 * 400 and counts against nobody. Plain events, not the async iterator: a small body is usually
 * already here, and the iterator's extra promise turns cost a small request measurable time.
 */
export function readDeclaredBody(req: ClientRequest): Promise<Buffer> {
  const expected = declaredLength(req.headers) ?? 0;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onEnd = (): void => {
      cleanup();
      if (got !== expected) return reject(bodyAborted(`${got} of ${expected} bytes arrived`));
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, got));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(bodyAborted(err.message));
    };
    const onClose = (): void => {
      cleanup();
      reject(bodyAborted(`the connection closed after ${got} of ${expected} bytes`));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}
