/**
 * One running dev stack per state dir: a lock file naming the process that runs it. A second
 * start would otherwise wipe the live stack's database (a fresh start deletes it). A lock whose
 * process is gone (killed, crashed) is stale and taken over.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevStackError } from './errors.ts';

export const LOCK_FILE = 'dev.lock';

/** What the lock records about the stack holding it, for the refusal message. */
export interface StackOwner {
  readonly pid: number;
  readonly edgeUrl: string;
  readonly firstPort: number;
  readonly lastPort: number;
}

interface LockRecord extends StackOwner {
  readonly startedAt: string;
  /** Ours alone: release removes the file only while it is still this start's. */
  readonly token: string;
}

export interface StateDirLock {
  /** Remove the lock if it is still ours (idempotent). */
  release(): Promise<void>;
}

/** True while `pid` runs; EPERM means it runs as another user. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockRecord | null> {
  try {
    const r = JSON.parse(await readFile(file, 'utf8')) as Partial<LockRecord>;
    return Number.isInteger(r.pid) && typeof r.token === 'string' ? (r as LockRecord) : null;
  } catch {
    return null; // gone, half-written or not ours: nothing holds it
  }
}

function refusal(stateDir: string, held: LockRecord): DevStackError {
  return new DevStackError(
    'stack-running',
    `a Switchyard dev stack is already running from state dir ${stateDir} ` +
      `(pid ${held.pid}, started ${held.startedAt}, edge ${held.edgeUrl}, ports ${held.firstPort}..${held.lastPort}); ` +
      'starting another there would wipe its database, so nothing was changed. ' +
      `Stop it (Ctrl-C where it runs, or \`kill ${held.pid}\`), or start a second stack with its own ` +
      '--state-dir and --port (e.g. `npm start -- --state-dir .switchyard/dev2 --port 9787`).',
  );
}

/** Take the state dir's lock (the directory must exist), or throw DevStackError('stack-running'). */
export async function lockStateDir(
  stateDir: string,
  owner: StackOwner,
  now = new Date(),
): Promise<StateDirLock> {
  const file = join(stateDir, LOCK_FILE);
  const record: LockRecord = {
    ...owner,
    startedAt: now.toISOString(),
    token: randomBytes(16).toString('hex'),
  };
  // A stale lock is removed and the write retried once; losing that race means another start
  // took the lock in between, and it is live.
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, JSON.stringify(record) + '\n', { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readLock(file);
    if (held !== null && alive(held.pid)) throw refusal(stateDir, held);
    if (attempt > 0)
      throw new DevStackError(
        'stack-running',
        `another start is taking state dir ${stateDir} right now (${file}); nothing was changed`,
      );
    await rm(file, { force: true });
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      if ((await readLock(file))?.token === record.token) await rm(file, { force: true });
    },
  };
}
