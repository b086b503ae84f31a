/**
 * Circuit breaker for one cluster × app (each app has its own replicas in a
 * cluster, so one app's failures say nothing about another's): `threshold`
 * consecutive replica failures open it; after `openMs` one probe request is
 * let through (half-open); its success closes the circuit, its failure
 * re-opens it. Time is passed in, so tests need no timers.
 */

/** The key of a cluster × app breaker in `ProxyRuntime.breakers`. */
export function circuitKey(clusterId: string, appId: string): string {
  return `${clusterId}\u0000${appId}`;
}

/** Inverse of `circuitKey`. */
export function parseCircuitKey(key: string): { clusterId: string; appId: string } {
  const i = key.indexOf('\u0000');
  return { clusterId: key.slice(0, i), appId: key.slice(i + 1) };
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Told when this breaker opens or closes (several proxy processes share transitions: cluster-peers.ts). */
export type CircuitListener = (state: 'open' | 'closed', at: number) => void;

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private state: CircuitState = 'closed';
  private probeInFlight = false;
  private probeAt = 0;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly onChange: CircuitListener = () => undefined,
  ) {}

  /** Take a transition another process saw, without telling anyone. */
  adopt(state: 'open' | 'closed', at: number): void {
    this.failures = 0;
    this.probeInFlight = false;
    this.state = state;
    if (state === 'open') this.openedAt = at;
  }

  /** May a request go to this cluster now? Takes the half-open probe slot when it answers yes. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open' && now - this.openedAt >= this.openMs) this.state = 'half-open';
    // A probe whose request never reported back (client left, attempt cap) must not wedge the circuit.
    if (this.state === 'half-open' && (!this.probeInFlight || now - this.probeAt >= this.openMs)) {
      this.probeInFlight = true;
      this.probeAt = now;
      return true;
    }
    return false;
  }

  success(now = 0): void {
    const was = this.state;
    this.failures = 0;
    this.state = 'closed';
    this.probeInFlight = false;
    if (was !== 'closed') this.onChange('closed', now);
  }

  failure(now: number): void {
    this.failures += 1;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.state = 'open';
      this.openedAt = now;
      this.probeInFlight = false;
      this.onChange('open', now);
    }
  }

  current(now: number): CircuitState {
    if (this.state === 'open' && now - this.openedAt >= this.openMs) return 'half-open';
    return this.state;
  }
}
