/**
 * vLLM-style Prometheus text exposition, so the aggregator scrapes a simulated
 * replica exactly as it would scrape vLLM. Names with `vllm:` match vLLM's;
 * `sim_` ones are extras a real vLLM does not have (slot count, GPU type).
 */
import type { Counters } from './counters.ts';
import { engineFamilies, engineHistograms, type Family, type MetricNames, type Sample } from './engine-families.ts';
import type { KvReport } from './kv-cache-model.ts';

export interface MetricsInput {
  readonly model: string;
  readonly clusterId: string;
  readonly replicaId: string;
  readonly gpuType: string;
  readonly slots: number;
  readonly running: number;
  readonly waiting: number;
  readonly modelLoaded: boolean;
  readonly coldStarts: number;
  readonly counters: Counters;
  /** The prefix-cache model's report; absent → KV usage reads as running / slots. */
  readonly kv?: KvReport;
  /** Engine whose names the load and KV families use (default vLLM). */
  readonly names?: MetricNames;
}

/** Escapes a label value per the exposition format (backslash, quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function line(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? String(value) : 'NaN'}`;
}

/** Renders the whole `/metrics` body. */
export function renderMetrics(m: MetricsInput): string {
  const model = { model_name: m.model };
  const c = m.counters;
  const families: Family[] = [
    ...engineFamilies(m),
    {
      name: 'vllm:request_success_total',
      type: 'counter',
      help: 'Count of successfully processed requests.',
      samples: [[model, c.completed]],
    },
    { name: 'vllm:prompt_tokens_total', type: 'counter', help: 'Number of prefill tokens processed.', samples: [[model, c.promptTokens]] },
    { name: 'vllm:generation_tokens_total', type: 'counter', help: 'Number of generation tokens processed.', samples: [[model, c.generationTokens]] },
    { name: 'sim_slots', type: 'gauge', help: 'Concurrent generation slots of this replica (a gauge: no _total, which Prometheus keeps for counters).', samples: [[model, m.slots]] },
    { name: 'sim_model_loaded', type: 'gauge', help: '1 when the model is loaded (no cold start pending).', samples: [[model, m.modelLoaded ? 1 : 0]] },
    {
      name: 'sim_replica_info',
      type: 'gauge',
      help: 'Static facts about this simulated replica.',
      samples: [[{ ...model, cluster_id: m.clusterId, replica_id: m.replicaId, gpu_type: m.gpuType }, 1]],
    },
    { name: 'sim_cold_starts_total', type: 'counter', help: 'Cold starts paid.', samples: [[model, m.coldStarts]] },
    {
      name: 'sim_requests_total',
      type: 'counter',
      help: 'Inference requests by outcome.',
      samples: (['completed', 'rejected', 'failed', 'hung', 'died', 'aborted', 'badRequests'] as const).map(
        (k): Sample => [{ ...model, outcome: k === 'badRequests' ? 'bad_request' : k }, c[k]],
      ),
    },
  ];
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const [labels, value] of f.samples) out.push(line(f.name, labels, value));
  }
  for (const h of engineHistograms(m.model, c, m.names)) {
    out.push(`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`);
    out.push(line(`${h.name}_bucket`, { ...h.labels, le: '+Inf' }, h.count), line(`${h.name}_sum`, h.labels, h.sum), line(`${h.name}_count`, h.labels, h.count));
  }
  return `${out.join('\n')}\n`;
}
