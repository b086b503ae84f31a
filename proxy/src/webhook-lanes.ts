/**
 * Webhook deliveries per tenant: at most `perProject` of one project's notices in flight at once
 * (all its apps together), the rest waiting in their app's own line. The webhook client pools
 * connections per receiving host, not per tenant, so without this a project pointing its webhooks
 * at a slow path of a host other tenants use too (Zapier, Pipedream, a company ingest) held every
 * connection and other projects' notices queued behind its. The bound was per app once: a
 * project with 16 apps then held all 32 of a host's connections. A project's apps take turns at
 * its slots (round robin between the lines with notices waiting), so one app's slow receiver
 * paces its siblings only as much as its own turns. A waiting notice is a closure over a job id
 * (its row is read when it runs).
 *
 * Each app's line holds at most `queuePerApp` waiting notices: past it the app's oldest waiting
 * one is dropped (resolved as `WebhookDropped`, which the caller records on the job and counts),
 * so a receiver that never answers costs its own app bounded memory and never another app anything.
 */
import { projectOfAppId } from '../../shared/http/request-path.ts';

/** Notices of one project (all its apps) in flight at once (each up to 3 attempts of ≤ 10 s). */
export const WEBHOOKS_PER_PROJECT = 2;
/** Notices of one app waiting for a slot (`PROXY_WEBHOOK_QUEUE_PER_APP`). */
export const WEBHOOK_QUEUE_PER_APP = 1_000;

/** A notice dropped unsent because its app's line was full: the job's status URL still answers. */
export class WebhookDropped {
  readonly code = 'webhook-dropped';
  constructor(readonly appId: string, readonly queuePerApp: number) {}
}

interface Waiting {
  readonly start: () => void;
  readonly drop: () => void;
}

/** One project's slots in use, and its apps' lines in turn order (only apps with notices waiting). */
interface ProjectLane {
  inFlight: number;
  readonly lines: Map<string, Waiting[]>;
}

export class WebhookLanes {
  readonly #projects = new Map<string, ProjectLane>();

  constructor(
    private readonly perProject = WEBHOOKS_PER_PROJECT,
    private readonly queuePerApp = WEBHOOK_QUEUE_PER_APP,
  ) {}

  /**
   * Runs `task` when `appId`'s project has a free slot and it is the app's turn; resolves or
   * rejects as the task does, or resolves `WebhookDropped` when newer notices of the same app
   * push it out of a full line.
   */
  run<T>(appId: string, task: () => Promise<T>): Promise<T | WebhookDropped> {
    const project = projectOfAppId(appId);
    let lane = this.#projects.get(project);
    if (lane === undefined) this.#projects.set(project, (lane = { inFlight: 0, lines: new Map() }));
    const l = lane;
    return new Promise<T | WebhookDropped>((resolve, reject) => {
      const start = (): void => {
        l.inFlight += 1;
        task().then(resolve, reject).finally(() => this.#done(project, l));
      };
      if (l.inFlight < this.perProject && l.lines.size === 0) return start();
      const line = l.lines.get(appId) ?? [];
      // The newest notice is worth most (the oldest's owner has waited longest and likely polls).
      if (line.length >= this.queuePerApp) line.shift()?.drop();
      line.push({ start, drop: () => resolve(new WebhookDropped(appId, this.queuePerApp)) });
      l.lines.set(appId, line);
    });
  }

  /** Notices of `appId` waiting for a slot. */
  waitingOf(appId: string): number {
    return this.#projects.get(projectOfAppId(appId))?.lines.get(appId)?.length ?? 0;
  }

  #done(project: string, lane: ProjectLane): void {
    lane.inFlight -= 1;
    // The app whose turn it is: the first line; it goes to the back if it still has notices.
    for (const [appId, line] of lane.lines) {
      const next = line.shift();
      lane.lines.delete(appId);
      if (line.length > 0) lane.lines.set(appId, line);
      next?.start();
      return;
    }
    if (lane.inFlight === 0) this.#projects.delete(project);
  }
}
