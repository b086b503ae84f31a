/**
 * Starts the dev stack's child processes, waits for each to be ready, and stops them all.
 * Every child runs in its own process group so Ctrl-C (or a failed start) leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface ChildSpec {
  /** Short name used in logs and errors, e.g. "proxy-us-east". */
  readonly name: string;
  /** What this part is, for error messages: "regional proxy (us-east)". */
  readonly role: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** GET this URL until it answers (any status < 500), or call this probe until it returns true. */
  readonly ready: string | (() => Promise<boolean>);
  readonly readyTimeoutMs?: number;
}

export interface RunningChild {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  readonly logFile: string;
  exited: boolean;
}

/** A part that failed to start, with what it printed last so the user can see why. */
export class StartError extends Error {
  constructor(
    readonly part: string,
    readonly reason: string,
    readonly logTail: string,
  ) {
    super(`${part} failed to start: ${reason}${logTail ? `\n--- last lines of its log ---\n${logTail}` : ''}`);
  }
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Last answer a ready URL gave that was not ready (a 5xx body says why, e.g. a bad variable). */
let lastAnswer = '';

async function probe(ready: ChildSpec['ready']): Promise<boolean> {
  try {
    if (typeof ready !== 'string') return await ready();
    const res = await fetch(ready, { signal: AbortSignal.timeout(1000) });
    if (res.status < 500) {
      await res.body?.cancel();
      return true;
    }
    lastAnswer = `${res.status}: ${(await res.text()).slice(0, 2000)}`;
    return false;
  } catch {
    return false; // not listening yet
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Supervisor {
  private readonly children: RunningChild[] = [];
  private stopping = false;

  constructor(private readonly logDir: string) {}

  get running(): readonly RunningChild[] {
    return this.children;
  }

  /** Spawn a child and resolve once its ready URL answers; throws StartError otherwise. */
  async start(spec: ChildSpec): Promise<RunningChild> {
    const logFile = join(this.logDir, `${spec.name}.log`);
    const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(spec.command, [...spec.args], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    const running: RunningChild = { spec, process: child, logFile, exited: false };
    this.children.push(running);
    let spawnError: Error | null = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('exit', () => {
      running.exited = true;
    });
    // The log ends when the child's pipes close, not at 'exit': its last lines may still be in
    // the pipe then, and writing them to an ended stream throws (uncaught) in the parent.
    child.on('close', () => out.end());

    lastAnswer = '';
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (spawnError !== null) throw new StartError(`${spec.role} [${spec.name}]`, String(spawnError), '');
      if (running.exited) {
        await sleep(100); // let the log flush
        throw new StartError(
          `${spec.role} [${spec.name}]`,
          `the process exited with code ${child.exitCode ?? 'null'} (signal ${child.signalCode ?? 'none'})`,
          tail(logFile),
        );
      }
      if (Date.now() > deadline) {
        const what =
          typeof spec.ready !== 'string' ? 'it did not become ready' : lastAnswer !== '' ? `${spec.ready} kept answering ${lastAnswer}` : `${spec.ready} did not answer`;
        throw new StartError(`${spec.role} [${spec.name}]`, `${what} within ${spec.readyTimeoutMs ?? 30_000} ms`, tail(logFile));
      }
      if (await probe(spec.ready)) return running;
      await sleep(150);
    }
  }

  /** Kill one child (e.g. to simulate a cluster dying). SIGKILL unless told otherwise. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.children.find((x) => x.spec.name === name);
    if (c === undefined) throw new Error(`no child named ${name}`);
    await this.signalAndWait(c, signal, 10_000);
  }

  /** Stop everything: SIGTERM (graceful drain), then SIGKILL for anything still alive. */
  async stopAll(graceMs = 8_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all([...this.children].reverse().map((c) => this.signalAndWait(c, 'SIGTERM', graceMs)));
  }

  private async signalAndWait(c: RunningChild, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (c.exited || c.process.pid === undefined) return;
    const pid = c.process.pid;
    const send = (s: NodeJS.Signals): void => {
      try {
        process.kill(-pid, s); // the whole group: wrangler spawns workerd
      } catch {
        // already gone
      }
    };
    const exited = new Promise<void>((resolve) => {
      if (c.exited) resolve();
      else c.process.once('exit', () => resolve());
    });
    send(signal);
    const timer = setTimeout(() => send('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    send('SIGKILL'); // reap grandchildren (e.g. workerd) that outlived their parent
  }
}
