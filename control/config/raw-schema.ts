import { z } from 'zod';

/** Bounds of an app's CORS list (every edge isolate holds every app's list). */
export const MAX_CORS_ORIGINS = 64;
export const MAX_CORS_ORIGIN_CHARS = 300;

/**
 * The config file's shape before semantic checks. Objects are strict so a misspelt field
 * (`residencey:`) is an error instead of a silently ignored default.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes');
const positiveOrNull = z.number().positive().nullable().optional();

export const rawProject = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  // Checked by shared/limits/token-budget-config.ts, the reader the proxy uses.
  tokenBudget: z.unknown().optional(),
});

export const rawApiKey = z.strictObject({
  id: z.string().min(1),
  project: id,
  key: z.string().optional(),
  hash: z.string().optional(),
  revoked: z.boolean().optional(),
});

export const rawCluster = z.strictObject({
  id,
  region: z.string(),
  provider: z.string().min(1),
  proxyUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  proxyId: z.string().min(1),
  continent: z.string().optional(),
  country: z.string().length(2).optional(),
  location: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});

export const rawApp = z.strictObject({
  project: id,
  name: id,
  clusters: z.array(z.string()).min(1, 'an app must be deployed to at least one cluster'),
  excludedClusters: z.array(z.string()).optional(),
  residency: z.unknown().optional(),
  gpuTypes: z.array(z.string().min(1)).optional(),
  strategy: z.string().optional(),
  affinityHeader: z.string().min(1).nullable().optional(),
  auth: z.boolean().optional(),
  limits: z
    .strictObject({
      maxConcurrency: z.number().int().positive().nullable().optional(),
      maxRps: positiveOrNull,
      scope: z.enum(['proxy', 'region', 'global']).optional(),
    })
    .optional(),
  // Every edge isolate holds every app's gate, CORS origins included, and re-reads them all on
  // each auth change: one tenant's list must stay small for everyone's read to.
  corsOrigins: z
    .array(z.string().min(1).max(MAX_CORS_ORIGIN_CHARS, `a CORS origin is at most ${MAX_CORS_ORIGIN_CHARS} characters (scheme, host, port)`))
    .max(MAX_CORS_ORIGINS, `at most ${MAX_CORS_ORIGINS} CORS origins per app (use '*' to allow any)`)
    .optional(),
  clusterWeights: z.record(z.string(), z.number().nonnegative()).optional(),
  // The same range as ROUTE_FAILOVER_RESERVE (shared/decision/policy.ts), which it overrides.
  failoverReserve: z
    .number()
    .min(0, 'failoverReserve must be between 0 (off) and 4')
    .max(4, 'failoverReserve must be between 0 (off) and 4')
    .optional(),
  // Checked by shared/domain/request-rules.ts, the same reader the edge and proxy use.
  requests: z.unknown().optional(),
  // Checked by shared/routes/resolve-routes.ts, the same reader the snapshot uses.
  routes: z.unknown().optional(),
  intents: z.unknown().optional(),
});

/** Top-level sections; each item is validated on its own so one bad app does not hide the rest's errors. */
export const SECTIONS = ['projects', 'apiKeys', 'clusters', 'apps'] as const;
export type Section = (typeof SECTIONS)[number];

export type RawProject = z.infer<typeof rawProject>;
export type RawApp = z.infer<typeof rawApp>;
export type RawCluster = z.infer<typeof rawCluster>;
export type RawApiKey = z.infer<typeof rawApiKey>;
