/**
 * Which requests get their project's `cache_salt` (prompt-cache-salt.ts) and the step that adds
 * it: every JSON POST with a body to an app whose `requests.promptCache` is `project` (the
 * default). Such a body is read whole before the first attempt, as a managed stream's is, and
 * held in the process's body memory (body-buffers.ts).
 */
import type { ClientRequest } from './client-io.ts';
import { carriesBody } from './body-limit.ts';
import { asBuffer } from './budgeted-body.ts';
import { ProxyError } from './errors.ts';
import type { SaltKey } from './prompt-cache-salt.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Does this request's body get the project's salt? */
export function saltsPromptCache(rt: ProxyRuntime, req: ClientRequest, appId: string): boolean {
  if (req.method !== 'POST' || rt.registry.routing(appId).requests.promptCache !== 'project') return false;
  return carriesBody(req) && declaresJson(req.headers['content-type']);
}

/**
 * A JSON-ish Content-Type, or none at all, or an empty one: FastAPI (vLLM's and SGLang's servers)
 * parses a body whose Content-Type is missing or empty as JSON, so an empty one left unsalted
 * could carry another project's salt to the engine as written.
 */
function declaresJson(type: string | undefined): boolean {
  return type === undefined || type.trim() === '' || type.toLowerCase().includes('json');
}

/**
 * `bytes` with the project's salt (on the parse thread if large). A body that is not JSON, or a
 * `cache_salt` that is not a string, is the client's fault: a 400 naming it, no attempt made.
 */
export async function saltedBody(rt: ProxyRuntime, target: SaltTarget, bytes: Buffer): Promise<Buffer> {
  const r = await rt.bodyParser.run(target.project, { op: 'salt', bytes, key: saltKey(rt, target) });
  if (!r.ok) throw promptBodyInvalid(r.message);
  return asBuffer(r.bytes);
}

/** Whose request it is: its project, and its app (an open app salts on its own). */
export interface SaltTarget {
  readonly project: string;
  readonly appId: string;
}

/** What the request's salt is made from on this proxy: the project's, or an open app's own. */
export function saltKey(rt: ProxyRuntime, target: SaltTarget): SaltKey {
  const secret = rt.config.promptCacheSecret ?? '';
  return rt.registry.routing(target.appId).open ? { secret, project: target.project, openApp: target.appId } : { secret, project: target.project };
}

/** The 400 for a body that cannot be salted: the client's fault, before any attempt. */
export function promptBodyInvalid(reason: string): ProxyError {
  return new ProxyError('prompt-body-invalid', 400, `${reason}; this app keeps each project's prompt cache apart, so its JSON bodies are read before they are sent`);
}
