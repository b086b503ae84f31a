/**
 * Where request bodies the proxy must understand are parsed: a token-budgeted app's (counted,
 * rewritten) and an inference-aware app's prompt (hashed). The cost of JSON.parse is the
 * sender's to choose (8 MiB of numbers: ~0.6 s with the re-serialise), and on the event loop it
 * held every tenant's requests (session 34: another project's requests fell from ~580/s to 3/s
 * behind two such senders). A body of `threadBytes` or more is parsed on one parse thread per
 * process instead, which takes projects' bodies in turn: a project's backlog waits behind its own
 * bodies only, and the event loop only moves bytes. Smaller bodies (≤ ~2 ms of the worst JSON)
 * are parsed in place, where a thread hop would cost more than it saves.
 */
import { Worker } from 'node:worker_threads';
import type { ParseReply, ParseRequest } from './body-parse-thread.ts';
import { asBuffer } from './budgeted-body.ts';
import { runParseTask, type ParseResult, type ParseTask } from './body-parse-task.ts';
import { ProxyError } from './errors.ts';
import { threadBoot } from './typescript-thread.ts';

const ENTRY = new URL('./body-parse-thread.ts', import.meta.url);

/** What the parser reports (metrics): bodies waiting, and the thread's time on a project's body. */
export interface BodyParserHooks {
  queued?(bodies: number): void;
  parsed?(project: string, seconds: number): void;
}

interface Pending {
  readonly id: number;
  readonly project: string;
  readonly task: ParseTask;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class BodyParser {
  /** Projects' queued bodies, each project's in arrival order. */
  readonly #queues = new Map<string, Pending[]>();
  /** Projects with queued bodies, in turn order. */
  #turns: string[] = [];
  #busy: Pending | null = null;
  #busySince = 0;
  #thread: Worker | null = null;
  #booting: Promise<void> | null = null;
  #nextId = 1;
  #closed = false;

  constructor(
    readonly threadBytes: number,
    private readonly hooks: BodyParserHooks = {},
  ) {}

  /** Bodies waiting for the thread, all projects (the one being parsed included). */
  get queued(): number {
    let n = this.#busy === null ? 0 : 1;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /** `task` run for `project`'s request; the caller's bytes are never moved or changed. */
  run<T extends ParseTask>(project: string, task: T): Promise<ParseResult<T>> {
    if (task.bytes.byteLength < this.threadBytes) return Promise.resolve(runParseTask(task));
    if (this.#closed) return Promise.reject(stopped());
    return new Promise<ParseResult<T>>((resolve, reject) => {
      const pending: Pending = { id: this.#nextId++, project, task, resolve: (v) => resolve(fromThread(v) as ParseResult<T>), reject };
      const queue = this.#queues.get(project);
      if (queue === undefined) {
        this.#queues.set(project, [pending]);
        this.#turns.push(project);
      } else queue.push(pending);
      this.hooks.queued?.(this.queued);
      this.#pump();
    });
  }

  /** Ends the thread; bodies still queued are refused (503, retry). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(stopped());
    const thread = this.#thread;
    this.#thread = null;
    await thread?.terminate();
  }

  #pump(): void {
    if (this.#busy !== null || this.#closed || this.#turns.length === 0) return;
    const thread = this.#thread;
    if (thread === null) return void this.#boot();
    const project = this.#turns.shift() as string;
    const queue = this.#queues.get(project) as Pending[];
    const next = queue.shift() as Pending;
    // The project's next body waits for every other project's turn.
    if (queue.length > 0) this.#turns.push(project);
    else this.#queues.delete(project);
    this.#busy = next;
    this.#busySince = performance.now();
    // A copy moved to the thread: the caller's buffer may be a request chunk that others hold
    // too (a tracer's capture), and a slice would clone its whole pool. One memcpy, ~1 ms at 8 MiB.
    const copy = new Uint8Array(next.task.bytes);
    const request: ParseRequest = { id: next.id, task: { ...next.task, bytes: copy } };
    thread.postMessage(request, [copy.buffer]);
  }

  #boot(): void {
    if (this.#booting !== null) return;
    this.#booting = threadBoot(ENTRY)
      .then(({ code }) => {
        if (this.#closed) return;
        const thread = new Worker(code, { eval: true });
        // A proxy with nothing else to do may exit: the thread never holds it open.
        thread.unref();
        thread.on('message', (reply: ParseReply) => this.#answered(reply));
        thread.on('error', (err) => this.#lost(thread, err));
        thread.on('exit', () => this.#lost(thread, new Error('the parse thread exited')));
        this.#thread = thread;
      })
      .catch((err: unknown) => this.#failAll(new ProxyError('body-parse-unavailable', 503, `the proxy could not start its parse thread (${err instanceof Error ? err.message : String(err)}); retry`, false, 1)))
      .finally(() => {
        this.#booting = null;
        this.#pump();
      });
  }

  #answered(reply: ParseReply): void {
    const done = this.#busy;
    if (done === null || done.id !== reply.id) return;
    this.#busy = null;
    this.hooks.parsed?.(done.project, (performance.now() - this.#busySince) / 1_000);
    this.hooks.queued?.(this.queued);
    if (reply.ok) done.resolve(reply.value);
    else done.reject(new ProxyError('body-parse-failed', 500, `the proxy could not read this request body: ${reply.message}`));
    this.#pump();
  }

  /** The thread died (out of memory on one body, say): that body is refused, the rest go to a new thread. */
  #lost(thread: Worker, err: Error): void {
    if (this.#thread !== thread) return;
    this.#thread = null;
    const busy = this.#busy;
    this.#busy = null;
    busy?.reject(new ProxyError('body-parse-failed', 503, `the proxy's parse thread stopped while reading this request body (${err.message}); retry`, false, 1));
    this.hooks.queued?.(this.queued);
    this.#pump();
  }

  #failAll(err: Error): void {
    const all = [...(this.#busy === null ? [] : [this.#busy]), ...[...this.#queues.values()].flat()];
    this.#busy = null;
    this.#queues.clear();
    this.#turns = [];
    this.hooks.queued?.(0);
    for (const p of all) p.reject(err);
  }
}

function stopped(): ProxyError {
  return new ProxyError('body-parse-unavailable', 503, 'the proxy is shutting down and no longer reads request bodies; retry', false, 1);
}

/** Bytes come back from the thread as plain Uint8Arrays: the proxy's code expects Buffers. */
function fromThread(v: unknown): unknown {
  if (v instanceof Uint8Array) return asBuffer(v);
  if (typeof v === 'object' && v !== null && 'bytes' in v && v.bytes instanceof Uint8Array) return { ...v, bytes: asBuffer(v.bytes) };
  return v;
}
