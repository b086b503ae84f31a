/**
 * What a proxy process does on SIGTERM/SIGINT: drain, then exit 0 (1 if the drain failed) — and
 * exit 1 anyway when the drain has not settled `DRAIN_OVERRUN_EXIT_MS` past its deadline. Every
 * step of the drain is bounded, but a close that never settles (a server waiting on a socket, an
 * exporter retrying a collector that is gone) left a proxy running after Ctrl-C on `npm start`,
 * ignoring every later signal. The timer is unref'd: it never keeps an idle process alive.
 */

/** How long past its deadline a drain may run before the process exits without it. */
export const DRAIN_OVERRUN_EXIT_MS = 10_000;

export interface DrainExit {
  readonly drain: () => Promise<unknown>;
  readonly deadlineMs: number;
  /** After a drain that settled, before exiting (e.g. closing the database client). */
  readonly after?: () => void;
  readonly exit: (code: number) => void;
  readonly onFailed: (err: unknown) => void;
  readonly onOverrun: (waitedMs: number) => void;
  readonly overrunMs?: number;
}

export function drainThenExit(o: DrainExit): void {
  const waitMs = o.deadlineMs + (o.overrunMs ?? DRAIN_OVERRUN_EXIT_MS);
  const overrun = setTimeout(() => {
    o.onOverrun(waitMs);
    o.exit(1);
  }, waitMs);
  overrun.unref();
  o.drain().then(
    () => {
      clearTimeout(overrun);
      o.after?.();
      o.exit(0);
    },
    (err: unknown) => {
      clearTimeout(overrun);
      o.onFailed(err);
      o.exit(1);
    },
  );
}
