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
export function mergeAggregatorFlags(base: unknown, flags: AggregatorFlags): { raw: Raw; issues: ConfigIssue[]; setByFlags: Map<string, string> } {
  const issues: ConfigIssue[] = [];
  // Field path → the flag that set it: a problem there is the flag's, not the file line's.
  const setByFlags = new Map<string, string>();
  const raw = obj(base);
  const cluster = obj(raw['cluster']);
  const set = (target: Raw, key: string, v: unknown): void => {
    if (v !== undefined) target[key] = v;
  };
  for (const [key, flag] of Object.entries(CLUSTER_FLAGS)) {
    const v = flags[flag.field];
    set(cluster, key, v);
    if (v !== undefined) setByFlags.set(`cluster.${key}`, flag.name);
  }
  raw['cluster'] = cluster;

  const gpus = obj(raw['gpus']);
  for (const g of flags.gpu ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(g);
    if (m?.[1] === undefined || m[2] === undefined) issues.push({ file: 'flags', path: '--gpu', line: null, message: `'${g}' must look like H100=2.49` });
    else {
      gpus[m[1]] = num(m[2]);
      setByFlags.set(`gpus.${m[1]}`, '--gpu');
    }
  }
  if (Object.keys(gpus).length > 0) raw['gpus'] = gpus;
  set(raw, 'pricesFile', flags.pricesFile);
  if (flags.pricesFile !== undefined) setByFlags.set('pricesFile', '--prices-file');

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
    setByFlags.set(`apps.${m[1]}`, '--app');
    setByFlags.set(`apps.${m[1]}.slotsPerReplica`, '--slots');
    setByFlags.set(`apps.${m[1]}.gpuType`, '--gpu-type');
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
  for (const [path, flag, v] of [['headroom.warm', '--warm', flags.warm], ['headroom.cold', '--cold', flags.cold], ['intervalMs', '--interval', flags.interval], ['scrapeTimeoutMs', '--scrape-timeout', flags.scrapeTimeout]] as const)
    if (v !== undefined) setByFlags.set(path, flag);
  return { raw, issues, setByFlags };
}

/** The cluster's identity fields and the flags that set them. */
const CLUSTER_FLAGS = {
  id: { field: 'clusterId', name: '--cluster-id' },
  region: { field: 'region', name: '--region' },
  provider: { field: 'provider', name: '--provider' },
  proxyUrl: { field: 'proxyUrl', name: '--proxy-url' },
  proxyId: { field: 'proxyId', name: '--proxy-id' },
} as const satisfies Record<string, { field: keyof AggregatorFlags; name: string }>;

/**
 * An issue about a field a flag set (or, without a file, one a flag sets) is the flag's: it names
 * the flag and no file line, which held a value the flag replaced.
 */
export function blameFlags(issue: ConfigIssue, setByFlags: ReadonlyMap<string, string>, hasFile: boolean): ConfigIssue {
  let flag = setByFlags.get(issue.path);
  if (flag === undefined && !hasFile) {
    const key = /^cluster\.(\w+)$/.exec(issue.path)?.[1];
    flag = key !== undefined && Object.hasOwn(CLUSTER_FLAGS, key) ? CLUSTER_FLAGS[key as keyof typeof CLUSTER_FLAGS].name : undefined;
  }
  return flag === undefined ? issue : { ...issue, file: 'flags', line: null, path: `${issue.path} (${flag})` };
}
