/**
 * This process's in-flight budget (PROXY_MAX_IN_FLIGHT), shared fairly between apps
 * (shared/limits/in-flight-share.ts): every request that starts upstream work holds one unit
 * until its exchange ends — plain requests, streams, WebSockets, async-job runs (not their
 * submission). Per process: with PROXY_WORKERS > 1 each worker has its own open-file limit and
 * its own budget, decided locally and synchronously (no primary round trip).
 */
import type { Logger } from 'pino';
import { defaultMaxInFlight, fairShareVerdict, inFlightLimits, type InFlightLimits } from '../../shared/limits/in-flight-share.ts';
import { ProxyError } from './errors.ts';
import { openFileLimit } from './open-file-limit.ts';

/** Taken when the open-file limit cannot be read: the limit the proxy is deployed with. */
const ASSUMED_FILES = 20_000;

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
  n: number;
}

export type BudgetRefusal = 'over-share' | 'full';

export class InFlightBudget {
  readonly limits: InFlightLimits;
  /** Requests held now, all apps. */
  total = 0;
  // Only apps holding work: an entry goes when its last request ends (bounded by what is in flight).
  private readonly apps = new Map<string, AppHold>();

  constructor(budget: number) {
    this.limits = inFlightLimits(budget);
  }

  /** Apps holding at least one request now. */
  get appsHolding(): number {
    return this.apps.size;
  }

  /** One unit for `appId`, or why not. */
  acquire(appId: string): BudgetHold | BudgetRefusal {
    const held = this.apps.get(appId);
    const verdict = fairShareVerdict(this.limits, this.total, held?.n ?? 0, this.apps.size);
    if (verdict !== 'admit') return verdict;
    let app = held;
    if (app === undefined) {
      app = { n: 0 };
      this.apps.set(appId, app);
    }
    app.n += 1;
    this.total += 1;
    return new BudgetHold(this, appId, app);
  }

  /** @internal BudgetHold's release. */
  give(appId: string, app: AppHold): void {
    this.total -= 1;
    app.n -= 1;
    if (app.n === 0) this.apps.delete(appId);
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
    private readonly appId: string,
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
    this.budget.give(this.appId, this.app);
    this.slot();
  }
}

const NOTHING = (): void => undefined;

/** The 429 for a refusal: names only the caller's own app, never who else holds the proxy. */
export function overBudget(appId: string, why: BudgetRefusal): ProxyError {
  const message =
    why === 'full'
      ? 'this proxy holds as many requests as it may (its in-flight budget); retry after 1s or through another proxy'
      : `${appId} holds more than its fair share of this proxy's in-flight requests while the proxy is nearly full; retry after 1s`;
  return new ProxyError('proxy-in-flight-limited', 429, message, false, 1);
}
