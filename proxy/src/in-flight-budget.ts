/**
 * This process's in-flight budget (PROXY_MAX_IN_FLIGHT), shared fairly between projects, and
 * within a project's share between its apps (shared/limits/in-flight-share.ts): every request that starts upstream work holds one unit
 * until its exchange ends — plain requests, streams, WebSockets, async-job runs (not their
 * submission). Per process: with PROXY_WORKERS > 1 each worker has its own open-file limit and
 * its own budget, decided locally and synchronously (no primary round trip).
 */
import type { Logger } from 'pino';
import { defaultMaxInFlight, fairShareVerdict, inFlightLimits, type InFlightLimits } from '../../shared/limits/in-flight-share.ts';
import { ProxyError } from './errors.ts';
import { openFileLimit } from './open-file-limit.ts';

/** Taken when the open-file limit cannot be read: the limit the proxy is deployed with. */
export const ASSUMED_FILES = 20_000;

/** The configured budget, or (auto) the one this process's open-file limit holds; odd choices are logged. */
export function budgetFromConfig(maxInFlight: number | 'auto', logger: Logger, files: number | null = openFileLimit()): number {
  if (files === null) logger.warn({ assumed: ASSUMED_FILES }, 'could not read the open-file limit (RLIMIT_NOFILE); the in-flight budget assumes one (set PROXY_MAX_IN_FLIGHT)');
  const fits = defaultMaxInFlight(files ?? ASSUMED_FILES);
  if (maxInFlight === 'auto') return fits;
  if (maxInFlight > fits)
    logger.warn({ maxInFlight, openFileLimit: files, fits }, 'PROXY_MAX_IN_FLIGHT is more than the open-file limit holds (~2 files per request): past it, accept() and upstream connects fail for every app');
  return maxInFlight;
}

interface AppHold {
  readonly appId: string;
  n: number;
}

interface ProjectHold {
  readonly project: string;
  n: number;
  /** Its apps holding work: an entry goes when the app's last request ends. */
  readonly apps: Map<string, AppHold>;
}

export type BudgetRefusal = 'over-share' | 'over-app-share' | 'full';

export class InFlightBudget {
  readonly limits: InFlightLimits;
  /** Requests held now, all projects. */
  total = 0;
  // Only projects holding work: an entry goes when its last request ends (bounded by what is in flight).
  private readonly projects = new Map<string, ProjectHold>();

  constructor(budget: number) {
    this.limits = inFlightLimits(budget);
  }

  /** Projects holding at least one request now. */
  get projectsHolding(): number {
    return this.projects.size;
  }

  /** One unit for `appId` of `project` (the tenant whose share it counts against), or why not. */
  acquire(project: string, appId: string): BudgetHold | BudgetRefusal {
    const p = this.projects.get(project);
    const a = p?.apps.get(appId);
    const verdict = fairShareVerdict(this.limits, {
      total: this.total,
      projectsHolding: this.projects.size,
      projectHolds: p?.n ?? 0,
      appsHolding: p?.apps.size ?? 0,
      appHolds: a?.n ?? 0,
    });
    if (verdict !== 'admit') return verdict;
    let proj = p;
    if (proj === undefined) {
      proj = { project, n: 0, apps: new Map() };
      this.projects.set(project, proj);
    }
    let app = a;
    if (app === undefined) {
      app = { appId, n: 0 };
      proj.apps.set(appId, app);
    }
    app.n += 1;
    proj.n += 1;
    this.total += 1;
    return new BudgetHold(this, proj, app);
  }

  /** @internal BudgetHold's release. */
  give(proj: ProjectHold, app: AppHold): void {
    this.total -= 1;
    proj.n -= 1;
    app.n -= 1;
    if (app.n === 0) proj.apps.delete(app.appId);
    if (proj.n === 0) this.projects.delete(proj.project);
  }
}

/**
 * One unit, given back once, with the app limits' slot it was admitted with (`alongWith`): a
 * bound method, not an arrow, for the reason given on app-limits.ts `Slot` (a held stream keeps it).
 */
export class BudgetHold {
  private released = false;
  private slot: () => void = NOTHING;

  constructor(
    private readonly budget: InFlightBudget,
    private readonly proj: ProjectHold,
    private readonly app: AppHold,
  ) {}

  /** The admitted request's release: this unit and the limits' `slot`, together, once. */
  alongWith(slot: () => void): () => void {
    this.slot = slot;
    return this.free.bind(this);
  }

  free(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.proj, this.app);
    this.slot();
  }
}

const NOTHING = (): void => undefined;

/**
 * The 429 for a refusal: names only the caller's own project and app, never who else holds the
 * proxy. Past the high-water mark the bound is the project's: all its apps together.
 */
export function overBudget(project: string, appId: string, why: BudgetRefusal): ProxyError {
  const message =
    why === 'full'
      ? 'this proxy holds as many requests as it may (its in-flight budget); retry after 1s or through another proxy'
      : why === 'over-share'
        ? `project ${project} (all its apps together) holds its fair share of this proxy's in-flight requests while the proxy is nearly full; retry after 1s, when some of the project's requests have ended, or through another proxy`
        : `${appId} holds its part of project ${project}'s fair share of this proxy's in-flight requests while the proxy is nearly full (the project's other apps keep the rest); retry after 1s`;
  return new ProxyError('proxy-in-flight-limited', 429, message, false, 1);
}
