/**
 * Starts a private copy of the whole local system (the same `startDevStack` that
 * `npm start` runs) for one end-to-end test file, on its own ports and state dir.
 * Intervals are shortened so refresh-dependent behaviour happens within seconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, inject } from 'vitest';
import { startDevStack, type DevStack, type DevStackOptions } from '../control/dev/start-dev-stack.ts';

export const REFRESH_MS = 300;
export const AGGREGATOR_MS = 200;

export interface StackHandle {
  readonly stack: () => DevStack;
  readonly db: () => Client;
}

/**
 * Shifts every e2e stack's ports, so two checkouts can run their e2e suites on one
 * machine at once (E2E_PORT_OFFSET=1000 moves 21_000 to 22_000 …).
 */
const PORT_OFFSET = parsePortOffset(process.env['E2E_PORT_OFFSET']);

function parsePortOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 40_000) throw new Error(`E2E_PORT_OFFSET must be an integer 0..40000, got ${raw}`);
  return n;
}

export interface StackOptions {
  readonly traces?: boolean;
  readonly edge?: 'wrangler' | 'workerd';
  readonly proxyTls?: boolean;
  readonly modelVersions?: Readonly<Record<string, string>>;
  readonly rolloutGateMs?: number;
}

/** The options every e2e stack starts with: short intervals, a frozen edge, traces off unless asked. */
export function e2eStackOptions(basePort: number, stateDir: string, edgeVars: Record<string, string> = {}, opts: StackOptions = {}, edgeBundleDir?: string): DevStackOptions {
  return {
    ...(edgeBundleDir !== undefined ? { edgeBundleDir } : {}),
    basePort: basePort + PORT_OFFSET,
    stateDir,
    fresh: true,
    aggregatorIntervalMs: AGGREGATOR_MS,
    // An edit or merge in this checkout while the suite runs must not restart the edge mid-test.
    frozenEdge: true,
    // Off unless a test is about traces: one process and 100 % sampling less for the others.
    traces: opts.traces ?? false,
    ...(opts.edge !== undefined ? { edge: opts.edge } : {}),
    ...(opts.proxyTls === true ? { proxyTls: true } : {}),
    ...(opts.modelVersions !== undefined ? { modelVersions: opts.modelVersions } : {}),
    ...(opts.rolloutGateMs !== undefined ? { rolloutGateMs: opts.rolloutGateMs } : {}),
    edgeVars: {
      EDGE_REFRESH_MS: String(REFRESH_MS),
      EDGE_DECISION_FLUSH_MS: '200',
      EDGE_TRUST_DEV_LOCATION: 'on',
      ...edgeVars,
    },
    log: () => undefined,
  };
}

/** beforeAll/afterAll that run one stack per test file. `basePort` must differ between files. */
export function useStack(basePort: number, edgeVars: Record<string, string> = {}, opts: StackOptions = {}): StackHandle {
  let stack: DevStack | undefined;
  let db: Client | undefined;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-e2e-'));
    stack = await startDevStack(e2eStackOptions(basePort, dir, edgeVars, opts, inject('edgeBundleDir')));
    db = createClient({ url: stack.libsqlUrl, authToken: stack.libsqlAuthToken });
  }, 180_000);
  afterAll(async () => {
    db?.close();
    await stack?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 60_000);
  return {
    stack: () => {
      if (stack === undefined) throw new Error('stack not started');
      return stack;
    },
    db: () => {
      if (db === undefined) throw new Error('stack not started');
      return db;
    },
  };
}

/** What a test file sees of the stack the `e2e-shared` project starts once (e2e/shared-stack.global.ts). */
export type SharedStack = Pick<DevStack, 'topology' | 'edgeUrl' | 'libsqlUrl' | 'dashboardUrl' | 'libsqlAuthToken' | 'apiKey' | 'operatorKey'>;

/**
 * The stack shared by the files of the `e2e-shared` project: each start costs ~20 s of both
 * cores, so files that only send traffic (they kill, drain, reconfigure or load nothing, and
 * find their own decisions by id) share one instead of starting their own.
 */
export function useSharedStack(): { readonly stack: () => SharedStack; readonly db: () => Client } {
  let db: Client | undefined;
  const stack = (): SharedStack => inject('sharedStack');
  afterAll(() => db?.close());
  return {
    stack,
    db: () => (db ??= createClient({ url: stack().libsqlUrl, authToken: stack().libsqlAuthToken })),
  };
}

/** A client location the edge trusts only when EDGE_TRUST_DEV_LOCATION=on (tests and the demo). */
export function devLocation(loc: { country: string; continent: string; lat: number; lon: number; colo?: string }): Record<string, string> {
  return { 'x-switchyard-dev-location': JSON.stringify({ colo: 'DEV', ...loc }) };
}

export const CLIENTS = {
  newYork: { country: 'US', continent: 'NA', lat: 40.7, lon: -74.0, colo: 'EWR' },
  frankfurt: { country: 'DE', continent: 'EU', lat: 50.1, lon: 8.7, colo: 'FRA' },
  singapore: { country: 'SG', continent: 'AS', lat: 1.35, lon: 103.8, colo: 'SIN' },
  saoPaulo: { country: 'BR', continent: 'SA', lat: -23.5, lon: -46.6, colo: 'GRU' },
  sydney: { country: 'AU', continent: 'OC', lat: -33.9, lon: 151.2, colo: 'SYD' },
} as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until the Worker has flushed decisions to libSQL, then read them. */
export async function waitForDecision(db: Client, id: string, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rs = await db.execute({ sql: 'SELECT * FROM decisions WHERE id = ?', args: [id] });
    const row = rs.rows[0];
    if (row !== undefined) return row as unknown as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`decision ${id} was not recorded within ${timeoutMs} ms`);
    await sleep(100);
  }
}
