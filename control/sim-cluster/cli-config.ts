/**
 * Turns `switchyard sim-cluster` flags, environment variables and an optional
 * YAML file into one `SimClusterOptions` per replica. Precedence: flag > env >
 * file > default. Pure (the caller reads the file and passes `process.env`);
 * every problem is reported at once, naming the flag to fix.
 */
import { parse as parseYaml } from 'yaml';
import { validateSimClusterOptions, type SimClusterOptions } from './options.ts';

type Kind = 'string' | 'int' | 'number' | 'queue';

interface Setting {
  /** camelCase: the option name, the commander key and the YAML key. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  readonly fallback?: string | number;
}

export const SIM_SETTINGS: readonly Setting[] = [
  { key: 'clusterId', flag: '--cluster-id', env: 'SWITCHYARD_SIM_CLUSTER_ID', kind: 'string' },
  { key: 'replicaId', flag: '--replica-id', env: 'SWITCHYARD_SIM_REPLICA_ID', kind: 'string', fallback: 'r0' },
  { key: 'host', flag: '--host', env: 'SWITCHYARD_SIM_HOST', kind: 'string', fallback: '127.0.0.1' },
  { key: 'port', flag: '--port', env: 'SWITCHYARD_SIM_PORT', kind: 'int', fallback: 0 },
  { key: 'model', flag: '--model', env: 'SWITCHYARD_SIM_MODEL', kind: 'string', fallback: 'demo-llm' },
  { key: 'modelVersion', flag: '--model-version', env: 'SWITCHYARD_SIM_MODEL_VERSION', kind: 'string' },
  { key: 'slots', flag: '--slots', env: 'SWITCHYARD_SIM_SLOTS', kind: 'int', fallback: 4 },
  { key: 'queue', flag: '--queue', env: 'SWITCHYARD_SIM_QUEUE', kind: 'queue', fallback: 8 },
  { key: 'tokensPerSecond', flag: '--tokens-per-second', env: 'SWITCHYARD_SIM_TOKENS_PER_SECOND', kind: 'number', fallback: 50 },
  { key: 'coldStartMs', flag: '--cold-start-ms', env: 'SWITCHYARD_SIM_COLD_START_MS', kind: 'int', fallback: 0 },
  { key: 'gpuType', flag: '--gpu-type', env: 'SWITCHYARD_SIM_GPU_TYPE', kind: 'string', fallback: 'H100' },
  { key: 'defaultMaxTokens', flag: '--default-max-tokens', env: 'SWITCHYARD_SIM_DEFAULT_MAX_TOKENS', kind: 'int' },
  { key: 'idleUnloadMs', flag: '--idle-unload-ms', env: 'SWITCHYARD_SIM_IDLE_UNLOAD_MS', kind: 'int' },
  { key: 'jobDurationMs', flag: '--job-duration-ms', env: 'SWITCHYARD_SIM_JOB_DURATION_MS', kind: 'int' },
  { key: 'jobHeartbeatMs', flag: '--job-heartbeat-ms', env: 'SWITCHYARD_SIM_JOB_HEARTBEAT_MS', kind: 'int' },
  { key: 'dieAfterTokens', flag: '--die-after-tokens', env: 'SWITCHYARD_SIM_DIE_AFTER_TOKENS', kind: 'int' },
  { key: 'kvBlocks', flag: '--kv-blocks', env: 'SWITCHYARD_SIM_KV_BLOCKS', kind: 'int' },
  { key: 'kvBlockTokens', flag: '--kv-block-tokens', env: 'SWITCHYARD_SIM_KV_BLOCK_TOKENS', kind: 'int' },
  { key: 'prefillTokensPerSecond', flag: '--prefill-tokens-per-second', env: 'SWITCHYARD_SIM_PREFILL_TOKENS_PER_SECOND', kind: 'number' },
  { key: 'metricNames', flag: '--metric-names', env: 'SWITCHYARD_SIM_METRIC_NAMES', kind: 'string' },
  { key: 'h2cMaxStreams', flag: '--h2c-max-streams', env: 'SWITCHYARD_SIM_H2C_MAX_STREAMS', kind: 'int' },
  { key: 'apiLoopMsPerRequest', flag: '--api-loop-ms-per-request', env: 'SWITCHYARD_SIM_API_LOOP_MS_PER_REQUEST', kind: 'int' },
  { key: 'replicas', flag: '--replicas', env: 'SWITCHYARD_SIM_REPLICAS', kind: 'int', fallback: 1 },
];

export interface CliSources {
  /** Commander's parsed options (camelCase keys, string values). */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The `--config` file's text and path, when given. */
  readonly file: { readonly path: string; readonly text: string } | null;
}

export type CliConfigResult = { ok: true; replicas: SimClusterOptions[] } | { ok: false; errors: string[] };

const INT = /^-?\d+$/;
const NUM = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function convert(kind: Kind, raw: unknown): { ok: true; value: string | number } | { ok: false; message: string } {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string') return { ok: false, message: `expected a ${kind === 'string' ? 'string' : 'number'}, got ${JSON.stringify(raw)}` };
  if (kind === 'string') return { ok: true, value: text };
  if (kind === 'queue' && text === 'reject') return { ok: true, value: text };
  const pattern = kind === 'number' ? NUM : INT;
  if (!pattern.test(text.trim())) {
    const want = kind === 'queue' ? "'reject' or a whole number" : kind === 'int' ? 'a whole number' : 'a number';
    return { ok: false, message: `expected ${want}, got '${text}'` };
  }
  return { ok: true, value: Number(text) };
}

function loadFile(file: NonNullable<CliSources['file']>, errors: string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(file.text) as unknown;
  } catch (err) {
    errors.push(`--config ${file.path}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    errors.push(`--config ${file.path}: expected a mapping of settings such as "slots: 4"`);
    return {};
  }
  const known = new Set(SIM_SETTINGS.map((s) => s.key));
  for (const key of Object.keys(doc)) {
    if (!known.has(key)) errors.push(`--config ${file.path}: unknown key '${key}' (known: ${[...known].join(', ')})`);
  }
  return doc as Record<string, unknown>;
}

/** The id of replica `i`: `r0` → `r0, r1, …`; `gpu-a` → `gpu-a-0, gpu-a-1, …`. */
export function replicaIdAt(base: string, i: number, count: number): string {
  if (count === 1) return base;
  const m = /^(.*?)(\d+)$/.exec(base);
  return m ? `${m[1] ?? ''}${Number(m[2]) + i}` : `${base}-${i}`;
}

/** Resolves every source into per-replica options, or every error found. */
export function resolveCliConfig(sources: CliSources): CliConfigResult {
  const errors: string[] = [];
  const file = sources.file ? loadFile(sources.file, errors) : {};
  const values: Record<string, string | number> = {};
  const origin: Record<string, string> = {};
  // Fields already reported, so validation below does not report them twice.
  const reported = new Set<string>();
  for (const s of SIM_SETTINGS) {
    const candidates: [unknown, string][] = [
      [sources.flags[s.key], s.flag],
      [sources.env[s.env], s.env],
      [file[s.key], sources.file ? `${s.key} in ${sources.file.path}` : ''],
    ];
    const found = candidates.find(([v]) => v !== undefined && v !== '');
    if (!found) {
      if (s.fallback !== undefined) values[s.key] = s.fallback;
      continue;
    }
    const [raw, from] = found;
    const converted = convert(s.kind, raw);
    if (!converted.ok) {
      errors.push(`${s.flag}${from === s.flag ? '' : ` (from ${from})`}: ${converted.message}`);
      reported.add(s.key);
    } else {
      values[s.key] = converted.value;
      origin[s.key] = from;
    }
  }
  if (values['clusterId'] === undefined && !reported.has('clusterId')) {
    errors.push('--cluster-id is required (or SWITCHYARD_SIM_CLUSTER_ID, or clusterId in --config)');
    reported.add('clusterId');
  }
  const count = typeof values['replicas'] === 'number' ? values['replicas'] : 1;
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    errors.push(`--replicas: must be from 1 to 64, got ${count}`);
    return { ok: false, errors };
  }

  const { replicas: _replicas, ...common } = values;
  const basePort = Number(values['port']);
  const replicas: SimClusterOptions[] = [];
  for (let i = 0; i < count; i += 1) {
    const options = {
      ...common,
      replicaId: replicaIdAt(String(values['replicaId']), i, count),
      port: basePort === 0 ? 0 : basePort + i,
    } as unknown as SimClusterOptions;
    const checked = validateSimClusterOptions(options);
    if (!checked.ok) {
      for (const issue of checked.issues) {
        if (reported.has(issue.field)) continue;
        const setting = SIM_SETTINGS.find((s) => s.key === issue.field);
        const from = origin[issue.field];
        const name = setting ? `${setting.flag}${from !== undefined && from !== setting.flag ? ` (from ${from})` : ''}` : issue.field;
        const line = `${name}: ${issue.message}${issue.field === 'port' && count > 1 ? ` (replica ${i} of ${count} uses --port + ${i})` : ''}`;
        if (!errors.includes(line)) errors.push(line);
      }
    }
    replicas.push(options);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, replicas };
}
