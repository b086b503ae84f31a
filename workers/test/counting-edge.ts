/**
 * An Edge built directly (workerd-side) over the real fixture database, with a clock the test
 * moves and a count of every libSQL statement it reads, by kind: what a request costs the database.
 */
import { env } from 'cloudflare:workers';
import { createClient } from '@libsql/client/web';
import { loadConfig } from '../src/shared-deps.ts';
import { Edge } from '../src/edge.ts';
import type { Client } from '../src/libsql.ts';
import { CF, fixtures } from './helpers.ts';

type Kind = 'snapshot' | 'key' | 'clock' | 'gates' | 'other';

function kindOf(sql: string): Kind {
  if (sql.includes('FROM api_keys')) return 'key';
  if (sql.includes('FROM auth_clock')) return 'clock';
  if (sql.includes('SELECT id, project_id, auth_required, cors_origins_json FROM apps')) return 'gates';
  if (sql.includes('apps') || sql.includes('clusters')) return 'snapshot';
  return 'other';
}

export interface CountingEdge {
  readonly edge: Edge;
  /** Read batches by kind (a snapshot is one batch of several statements). */
  readonly reads: Record<Kind, number>;
  /** The edge's operator log lines. */
  readonly logs: string[];
  /** Moves the edge's clock. */
  advance(ms: number): void;
  /** Key reads from now on wait until `release` (a slow database for them alone). */
  holdKeyReads(): { release(): void };
  /** One request through the edge, its background work settled. */
  call(path: string, key: string | null, headers?: Record<string, string>, method?: string): Promise<Response>;
}

/** `vars.LIBSQL_URL`: another fixture database than the main one. */
export async function countingEdge(vars: Record<string, string> = {}): Promise<CountingEdge> {
  const parsed = await loadConfig({ ...(env as unknown as Record<string, string>), EDGE_RECORD_DECISIONS: 'off', ...vars });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const client = createClient({ url: vars['LIBSQL_URL'] ?? fixtures.libsqlUrl });
  const reads: Record<Kind, number> = { snapshot: 0, key: 0, clock: 0, gates: 0, other: 0 };
  let keyGate: Promise<void> | null = null;
  const db = new Proxy(client, {
    get(target, prop): unknown {
      if (prop === 'batch') {
        return (stmts: Array<{ sql: string }>, mode: string) => {
          // A batch is one round trip; the gates batch carries the clock with it.
          const kinds = new Set(stmts.map((s) => kindOf(s.sql)));
          const kind: Kind = kinds.has('gates') ? 'gates' : (kinds.values().next().value ?? 'other');
          reads[kind]++;
          const gate = kind === 'key' ? keyGate : null;
          return gate === null ? target.batch(stmts, mode as 'read') : gate.then(() => target.batch(stmts, mode as 'read'));
        };
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Client;
  let t = Date.now();
  const logs: string[] = [];
  const edge = new Edge({ config: parsed.config, db, fetcher: (i, init) => fetch(i, init), now: () => t, hrNow: () => performance.now(), log: (l) => void logs.push(l) });
  return {
    edge,
    reads,
    logs,
    advance: (ms) => void (t += ms),
    holdKeyReads() {
      let release = (): void => undefined;
      keyGate = new Promise<void>((r) => (release = r));
      return {
        release: () => {
          keyGate = null;
          release();
        },
      };
    },
    async call(path, key, headers = {}, method = 'GET') {
      const h = new Headers({ 'x-switchyard-mode': 'token', ...headers });
      if (key !== null) h.set('authorization', `Bearer ${key}`);
      const pending: Promise<unknown>[] = [];
      const res = await edge.handle(new Request(`https://edge.test${path}`, { method, headers: h, cf: CF.dublin } as RequestInit), { waitUntil: (p) => void pending.push(p) });
      // Background work may start more (a clock check starts key re-reads): settle all of it.
      while (pending.length > 0) await Promise.allSettled(pending.splice(0));
      return res;
    },
  };
}
