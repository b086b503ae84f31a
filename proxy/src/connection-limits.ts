/**
 * Client connections a proxy process holds on its traffic port (P1: one client cannot exhaust the
 * proxy's open files for the others). Each costs one file whether it carries a request or idles:
 * a client opening idle or slow-header connections (each within the header timeout, renewed as it
 * is closed) used to take every file the process may open, so other tenants' connections were
 * reset at accept and admitted requests' upstream connects failed with EMFILE.
 *
 * * **Ceiling** (`PROXY_MAX_CONNECTIONS`): past it a new connection is refused at accept. Its
 *   default leaves the open-file reserve and one upstream socket per in-flight request
 *   (shared/limits/in-flight-share.ts `defaultMaxConnections`), so the proxy refuses clients
 *   cleanly before it cannot open upstream sockets.
 * * **Per address** (`PROXY_MAX_CONNECTIONS_PER_ADDRESS`): connections of one client address (an
 *   IPv6 /64 as one, client-address-key.ts) that have not yet carried a request whose credential
 *   verified (routing token, in-region key; with auth disabled, any request past the gate). A
 *   connection that has is its own client from then on and leaves its address's count (as in
 *   token-failure-keys.ts): the edge's kept-alive connections share an address with whoever else
 *   sends from it (on Cloudflare, other Workers' egress), and a flood of idle connections there
 *   must not refuse them. `PROXY_TRUSTED_PROXIES` peers (balancers carrying many clients) are not
 *   capped by address; the ceiling holds them too. The cap binds only once the process holds half
 *   its ceiling (`perAddressCapBinds`): a burst from one address (a NAT reconnecting at once, a
 *   pool connecting before it sends) is all unproven until each first request is read, and must
 *   not be refused while the proxy has room; one address still never holds more than half.
 *
 * A refused cleartext connection is answered at once with an HTTP/1.1 refusal (503
 * `proxy-connections-full` or 429 `client-connections-limited`, `Retry-After`, `not-started`),
 * then closed after a lingering close so the answer is not reset away; an h2c client reads those
 * bytes as a protocol error and closes. A TLS connection is closed before its handshake (no
 * answer can be written without one). At most REFUSALS_ANSWERED_AT_ONCE refusals linger at once;
 * past that a refused connection is closed unanswered, so refusals cannot hold the files the
 * ceiling keeps. Per process: with PROXY_WORKERS > 1 each worker counts its own connections.
 *
 * The count lives on the socket (one small record under a symbol, no closure or listener of its
 * own: the listener's one 'close' handler releases it), and is found again from an HTTP/1 socket,
 * a TLS socket (its TCP socket) or an HTTP/2 session (its socket) when a request proves it.
 */
import { Socket } from 'node:net';
import type { Logger } from 'pino';
import { defaultMaxConnections, defaultMaxConnectionsPerAddress, fdReserve } from '../../shared/limits/in-flight-share.ts';
import { clientAddressKey } from './client-address-key.ts';
import type { ProxyConfig } from './config.ts';
import { ProxyError } from './errors.ts';
import { ASSUMED_FILES } from './in-flight-budget.ts';
import { lingeringClose } from './lingering-close.ts';
import { guardRawSocket } from './raw-socket-guard.ts';
import { rawRefusal } from './refusal-response.ts';
import { isTrustedProxy, type TrustedProxies } from './trusted-proxies.ts';

export type ConnectionRefusal = 'ceiling' | 'per-address';

export interface ConnectionLimitSettings {
  /** Client connections this process holds at once. */
  readonly max: number;
  /** Unproven connections of one address, binding from half `max` open (perAddressCapBinds); null: no per-address cap. */
  readonly perAddress: number | null;
  readonly trusted: TrustedProxies;
}

/**
 * The settings from the config: `auto` from this process's open-file limit (`files`, null when it
 * could not be read: the in-flight budget has warned and assumed ASSUMED_FILES) and its in-flight
 * budget. A ceiling that with the budget leaves no reserve is used but logged.
 */
export function connectionLimitsFromConfig(
  config: Pick<ProxyConfig, 'maxConnections' | 'maxConnectionsPerAddress' | 'trustedProxies'>,
  inFlightBudget: number,
  logger: Logger,
  files: number | null,
): ConnectionLimitSettings {
  const limit = files ?? ASSUMED_FILES;
  const max = config.maxConnections === 'auto' ? defaultMaxConnections(limit, inFlightBudget) : config.maxConnections;
  if (config.maxConnections !== 'auto' && max + inFlightBudget > limit - fdReserve(limit))
    logger.warn(
      { maxConnections: max, maxInFlight: inFlightBudget, openFileLimit: files, fits: defaultMaxConnections(limit, inFlightBudget) },
      'PROXY_MAX_CONNECTIONS with the in-flight budget is more than the open-file limit holds (a file per client connection, one per upstream socket): past it, accept() and upstream connects fail with EMFILE',
    );
  const per = config.maxConnectionsPerAddress;
  const perAddress = per === 'off' ? null : per === 'auto' ? defaultMaxConnectionsPerAddress(max) : per;
  return { max, perAddress, trusted: config.trustedProxies };
}

/**
 * Whether an address's new connection is refused for its address: it holds `unproven`
 * connections without a verified request, at least its cap, and the process holds `open`, at
 * least half its ceiling. Below half a new connection is never refused for its address, so a
 * burst from one address is served while the proxy has room. Still one address never holds more
 * than max(cap, ⌈max / 2⌉) unproven connections (half the ceiling under the default cap, a
 * quarter), so the other half stays for the others: a connection is admitted past the cap only
 * while open < ⌈max / 2⌉, and its address's unproven connections are among the open ones, so
 * they number at most ⌈max / 2⌉ after it.
 */
export function perAddressCapBinds(unproven: number, open: number, s: Pick<ConnectionLimitSettings, 'max' | 'perAddress'>): boolean {
  return s.perAddress !== null && unproven >= s.perAddress && open >= perAddressCapFrom(s.max);
}

/** The open connections from which the per-address cap binds: half the ceiling. */
export function perAddressCapFrom(max: number): number {
  return Math.ceil(max / 2);
}

/** Refusals answered and lingering at once; past it refused connections are closed unanswered. */
export const REFUSALS_ANSWERED_AT_ONCE = 64;

/** At most one warning per reason in this window; the next says how many were refused meanwhile. */
export const REFUSAL_LOG_EVERY_MS = 10_000;

const HELD = Symbol('switchyard.connectionHeld');

/** What one counted connection holds: its address's key while unproven, null once proven or exempt. */
interface Held {
  key: string | null;
}

type Tagged = { [HELD]?: Held | undefined };

/** The counted TCP socket behind an HTTP/1 socket, a TLS socket or an HTTP/2 session. */
function heldOf(connection: object): Held | undefined {
  let socket: unknown = connection;
  if (!(connection instanceof Socket)) {
    try {
      // An HTTP/2 session: its `socket` is a proxy object that reads through to the socket.
      socket = (connection as { socket?: unknown }).socket;
    } catch {
      return undefined; // a session already without its socket
    }
  }
  if (typeof socket !== 'object' || socket === null) return undefined;
  const own = (socket as Tagged)[HELD];
  if (own !== undefined) return own;
  // TLS: the TLS socket wraps the TCP socket counted at accept.
  const parent = (socket as { _parent?: unknown })._parent;
  return typeof parent === 'object' && parent !== null ? (parent as Tagged)[HELD] : undefined;
}

export interface ConnectionLimitEvents {
  /** A connection was refused (the metric). */
  refused(why: ConnectionRefusal): void;
}

export class ConnectionLimits {
  /** Client connections counted now. */
  open = 0;
  /** Refused connections answered and not yet closed. */
  private answering = 0;
  /** Unproven connections per address key (only addresses with at least one). */
  private readonly unproven = new Map<string, number>();
  private readonly log: RefusalLog;
  private readonly closeAnswered = (): void => {
    this.answering -= 1;
  };

  constructor(
    readonly settings: ConnectionLimitSettings,
    private readonly events: ConnectionLimitEvents,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.log = new RefusalLog(settings, logger, now);
  }

  /** Unproven connections of the address of `remoteAddress` now. */
  unprovenOf(remoteAddress: string): number {
    return this.unproven.get(clientAddressKey(remoteAddress)) ?? 0;
  }

  /**
   * Counts a connection just accepted, or refuses it (then nothing is counted and the socket is
   * answered or closed here): true when it may go on.
   */
  accept(socket: Socket, answerable: boolean): boolean {
    const why = this.verdict(socket);
    if (why === null) return true;
    this.events.refused(why);
    this.log.note(why, socket.remoteAddress);
    this.refuse(socket, why, answerable);
    return false;
  }

  private verdict(socket: Socket): ConnectionRefusal | null {
    const s = this.settings;
    if (this.open >= s.max) return 'ceiling';
    let key: string | null = null;
    if (s.perAddress !== null && !isTrustedProxy(s.trusted, socket.remoteAddress)) {
      key = clientAddressKey(socket.remoteAddress);
      const n = this.unproven.get(key) ?? 0;
      if (perAddressCapBinds(n, this.open, s)) return 'per-address';
      this.unproven.set(key, n + 1);
    }
    this.open += 1;
    (socket as Tagged)[HELD] = { key };
    return null;
  }

  /** A request whose credential verified came on `connection`: it no longer counts against its address. */
  proven(connection: object): void {
    const held = heldOf(connection);
    if (held === undefined || held.key === null) return;
    this.forget(held.key);
    held.key = null;
  }

  /** A counted socket closed (the listener's one 'close' handler). */
  release(socket: Socket): void {
    const held = (socket as Tagged)[HELD];
    if (held === undefined) return;
    (socket as Tagged)[HELD] = undefined;
    this.open -= 1;
    if (held.key !== null) this.forget(held.key);
  }

  private forget(key: string): void {
    const n = (this.unproven.get(key) ?? 1) - 1;
    if (n <= 0) this.unproven.delete(key);
    else this.unproven.set(key, n);
  }

  private refuse(socket: Socket, why: ConnectionRefusal, answerable: boolean): void {
    guardRawSocket(socket);
    if (!answerable || this.answering >= REFUSALS_ANSWERED_AT_ONCE) {
      socket.destroy();
      return;
    }
    this.answering += 1;
    socket.once('close', this.closeAnswered);
    socket.write(rawRefusal(connectionRefusalError(why, this.settings)));
    // What the client sends meanwhile is read and dropped until it closes or goes quiet.
    socket.resume();
    lingeringClose(socket);
  }
}

/** The refusal a client gets for a connection over a limit (HTTP/1.1, written at accept). */
export function connectionRefusalError(why: ConnectionRefusal, s: ConnectionLimitSettings): ProxyError {
  if (why === 'ceiling')
    return new ProxyError(
      'proxy-connections-full',
      503,
      `this proxy holds as many client connections as it may (PROXY_MAX_CONNECTIONS, ${s.max} per process); retry after 1s or through another proxy`,
      true,
      1,
      true,
    );
  return new ProxyError(
    'client-connections-limited',
    429,
    `this client address holds as many connections as it may before one of them carries a verified request (PROXY_MAX_CONNECTIONS_PER_ADDRESS, ${s.perAddress ?? 0} per process, while this proxy holds at least half of PROXY_MAX_CONNECTIONS, ${s.max}): reuse an open connection or close idle ones, and retry after 1s`,
    true,
    1,
    true,
  );
}

/** A warning per reason at most every REFUSAL_LOG_EVERY_MS, with what was refused since the last. */
class RefusalLog {
  private readonly last = new Map<ConnectionRefusal, { at: number; since: number }>();

  constructor(
    private readonly settings: ConnectionLimitSettings,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  note(why: ConnectionRefusal, address: string | undefined): void {
    const t = this.now();
    const l = this.last.get(why);
    if (l !== undefined && t - l.at < REFUSAL_LOG_EVERY_MS) {
      l.since += 1;
      return;
    }
    const refusedSinceLastLog = l?.since ?? 0;
    this.last.set(why, { at: t, since: 0 });
    if (why === 'ceiling')
      this.logger.warn(
        { maxConnections: this.settings.max, refusedSinceLastLog, address },
        'refusing client connections: this process holds PROXY_MAX_CONNECTIONS (logged at most every 10 s; switchyard_proxy_connection_refusals_total counts them all)',
      );
    else
      this.logger.warn(
        { maxConnectionsPerAddress: this.settings.perAddress, bindsFrom: perAddressCapFrom(this.settings.max), client: clientAddressKey(address), refusedSinceLastLog },
        'refusing a client address its connections: it holds PROXY_MAX_CONNECTIONS_PER_ADDRESS without a verified request on them and this process holds at least half of PROXY_MAX_CONNECTIONS (logged at most every 10 s; switchyard_proxy_connection_refusals_total counts them all)',
      );
  }
}
