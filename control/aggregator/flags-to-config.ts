import type { ConfigIssue } from '../config/config-issue.ts';

/** `switchyard aggregator` flags; each one overrides the same field of the YAML file. */
export interface AggregatorFlags {
  readonly clusterId?: string;
  readonly region?: string;
  readonly provider?: string;
  readonly proxyUrl?: string;
  readonly proxyId?: string;
  /** `TYPE=PRICE`, repeatable. */
  readonly gpu?: readonly string[];
  readonly pricesFile?: string;
  /** `PROJECT/APP=URL[,URL...]`, repeatable. */
  readonly app?: readonly string[];
  readonly slots?: string;
  readonly gpuType?: string;
  readonly warm?: string;
  readonly cold?: string;
  readonly interval?: string;
  readonly scrapeTimeout?: string;
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Raw) } : {};
}

/** Numbers stay strings when malformed so the schema reports them against the field's name. */
function num(v: string): number | string {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

/**
 * Overlays command-line flags on the (possibly empty) YAML data, producing one raw object for
 * `validateAggregatorConfig`. Malformed `--gpu` / `--app` values are returned as issues.
 */
export function mergeAggregatorFlags(base: unknown, flags: AggregatorFlags): { raw: Raw; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const raw = obj(base);
  const cluster = obj(raw['cluster']);
  const set = (target: Raw, key: string, v: unknown): void => {
    if (v !== undefined) target[key] = v;
  };
  set(cluster, 'id', flags.clusterId);
  set(cluster, 'region', flags.region);
  set(cluster, 'provider', flags.provider);
  set(cluster, 'proxyUrl', flags.proxyUrl);
  set(cluster, 'proxyId', flags.proxyId);
  raw['cluster'] = cluster;

  const gpus = obj(raw['gpus']);
  for (const g of flags.gpu ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(g);
    if (m?.[1] === undefined || m[2] === undefined) issues.push({ file: 'flags', path: '--gpu', line: null, message: `'${g}' must look like H100=2.49` });
    else gpus[m[1]] = num(m[2]);
  }
  if (Object.keys(gpus).length > 0) raw['gpus'] = gpus;
  set(raw, 'pricesFile', flags.pricesFile);

  const apps = obj(raw['apps']);
  for (const a of flags.app ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(a);
    if (m?.[1] === undefined || m[2] === undefined) {
      issues.push({ file: 'flags', path: '--app', line: null, message: `'${a}' must look like acme/chat=http://127.0.0.1:9001,http://127.0.0.1:9002` });
      continue;
    }
    const app: Raw = { replicas: m[2].split(',').map((u) => u.trim()) };
    if (flags.slots !== undefined) app['slotsPerReplica'] = num(flags.slots);
    if (flags.gpuType !== undefined) app['gpuType'] = flags.gpuType;
    apps[m[1]] = app;
  }
  raw['apps'] = apps;

  if (flags.warm !== undefined || flags.cold !== undefined) {
    const headroom = obj(raw['headroom']);
    if (flags.warm !== undefined) headroom['warm'] = num(flags.warm);
    if (flags.cold !== undefined) headroom['cold'] = num(flags.cold);
    raw['headroom'] = headroom;
  }
  if (flags.interval !== undefined) raw['intervalMs'] = num(flags.interval);
  if (flags.scrapeTimeout !== undefined) raw['scrapeTimeoutMs'] = num(flags.scrapeTimeout);
  return { raw, issues };
}
