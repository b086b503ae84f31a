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
 * A project's lines together hold at most `queuePerProject`: past it the oldest notice of its
 * longest line goes (the app holding most pays first), so a project with k apps holds one
 * project's memory, not k apps' (the per-app bound alone let 10,000 apps hold 10 M closures).
 */
import { projectOfAppId } from '../../shared/http/request-path.ts';

/** Notices of one project (all its apps) in flight at once (each up to 3 attempts of ≤ 10 s). */
export const WEBHOOKS_PER_PROJECT = 2;
/** Notices of one app waiting for a slot (`PROXY_WEBHOOK_QUEUE_PER_APP`). */
export const WEBHOOK_QUEUE_PER_APP = 1_000;

/**
 * Notices of one project (all its apps) waiting for a slot (`PROXY_WEBHOOK_QUEUE_PER_PROJECT`;
 * 0 = this or the per-app bound, whichever is larger).
 */
export const WEBHOOK_QUEUE_PER_PROJECT = 1_000;

/** The project bound a `PROXY_WEBHOOK_QUEUE_PER_PROJECT` setting means (0 = the default rule). */
export function webhookQueuePerProject(setting: number, queuePerApp: number): number {
  return setting > 0 ? setting : Math.max(WEBHOOK_QUEUE_PER_PROJECT, queuePerApp);
}

/** A notice dropped unsent because its app's or its project's line was full: the job's status URL still answers. */
export class WebhookDropped {
  readonly code = 'webhook-dropped';
  constructor(
    readonly appId: string,
    /** Which bound pushed it out: its app's line or its project's lines together. */
    readonly full: 'app' | 'project',
    /** That bound. */
    readonly bound: number,
  ) {}
}

interface Waiting {
  readonly start: () => void;
  readonly drop: (full: 'app' | 'project') => void;
}

/** One project's slots in use, and its apps' lines in turn order (only apps with notices waiting). */
interface ProjectLane {
  inFlight: number;
  /** Notices waiting in all of `lines`. */
  waiting: number;
  readonly lines: Map<string, Waiting[]>;
}

export class WebhookLanes {
  readonly #projects = new Map<string, ProjectLane>();

  constructor(
    private readonly perProject = WEBHOOKS_PER_PROJECT,
    private readonly queuePerApp = WEBHOOK_QUEUE_PER_APP,
    private readonly queuePerProject = webhookQueuePerProject(0, queuePerApp),
  ) {}

  /**
   * Runs `task` when `appId`'s project has a free slot and it is the app's turn; resolves or
   * rejects as the task does, or resolves `WebhookDropped` when newer notices of the same app
   * push it out of a full line.
   */
  run<T>(appId: string, task: () => Promise<T>): Promise<T | WebhookDropped> {
    const project = projectOfAppId(appId);
    let lane = this.#projects.get(project);
    if (lane === undefined) this.#projects.set(project, (lane = { inFlight: 0, waiting: 0, lines: new Map() }));
    const l = lane;
    return new Promise<T | WebhookDropped>((resolve, reject) => {
      const start = (): void => {
        l.inFlight += 1;
        task().then(resolve, reject).finally(() => this.#done(project, l));
      };
      if (l.inFlight < this.perProject && l.lines.size === 0) return start();
      const line = l.lines.get(appId) ?? [];
      // The newest notice is worth most (the oldest's owner has waited longest and likely polls).
      if (line.length >= this.queuePerApp) line.shift()?.drop('app');
      else if (l.waiting >= this.queuePerProject) this.#dropFromLongest(l, appId, line);
      else l.waiting += 1;
      line.push({ start, drop: (full) => resolve(new WebhookDropped(appId, full, full === 'app' ? this.queuePerApp : this.queuePerProject)) });
      l.lines.set(appId, line);
    });
  }

  /** The project is full: its longest line (ties: `appId`'s own) loses its oldest notice. */
  #dropFromLongest(lane: ProjectLane, appId: string, own: Waiting[]): void {
    let longest = own;
    let longestApp = appId;
    for (const [id, line] of lane.lines) {
      if (line.length > longest.length) [longest, longestApp] = [line, id];
    }
    longest.shift()?.drop('project');
    if (longest.length === 0 && longestApp !== appId) lane.lines.delete(longestApp);
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
      if (next !== undefined) lane.waiting -= 1;
      lane.lines.delete(appId);
      if (line.length > 0) lane.lines.set(appId, line);
      next?.start();
      return;
    }
    if (lane.inFlight === 0) this.#projects.delete(project);
  }
}
