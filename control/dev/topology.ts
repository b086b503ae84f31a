/**
 * The local demo fleet: which proxies, clusters and replicas `switchyard dev` starts,
 * on which ports. Pure data derived from one base port so every port is configurable
 * and two stacks (e.g. a test's and a developer's) never collide.
 */

export interface DevProxy {
  readonly id: string;
  readonly region: string;
  readonly port: number;
  readonly url: string;
  /** The proxy's admin listener (metrics, health), loopback only. */
  readonly adminPort: number;
  readonly adminUrl: string;
}

export interface DevCluster {
  readonly id: string;
  readonly region: string;
  readonly provider: string;
  readonly proxyId: string;
  readonly gpuType: string;
  readonly pricePerHour: number;
  readonly replicas: number;
  readonly slotsPerReplica: number;
  readonly tokensPerSecond: number;
  readonly coldStartMs: number;
  /** Headroom in slots: warm (seconds to start) and cold (provider burst). */
  readonly warm: number;
  readonly cold: number;
  /** First replica's port; replica i listens on firstPort + i. */
  readonly firstPort: number;
  /** Apps whose replicas run here (all share the cluster's simulated replicas). */
  readonly apps: readonly string[];
}

export interface DevTopology {
  readonly edgePort: number;
  readonly libsqlPort: number;
  /** The operations dashboard (`switchyard dashboard`). */
  readonly dashboardPort: number;
  /** Our OTLP trace receiver (`switchyard otlp-receiver`), when traces are on. */
  readonly otlpPort: number;
  readonly proxies: readonly DevProxy[];
  readonly clusters: readonly DevCluster[];
}

/** `switchyard dev`'s (and `npm start`'s) edge port when neither --port nor SWITCHYARD_PORT says otherwise. */
export const DEFAULT_DEV_BASE_PORT = 8787;

export interface PortPlan {
  /** The edge Worker's port; everything else is offset from it. */
  readonly basePort: number;
}

/**
 * Port layout: edge = base, libSQL = base+1 (base+2 unused: it was wrangler's inspector, now off:
 * wrangler-dev.ts), dashboard = base+7,
 * OTLP receiver = base+8, proxies = base+11.., their admin ports base+21.., replicas = base+101..
 */
export function devTopology({ basePort }: PortPlan): DevTopology {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) {
    throw new Error(`base port must be an integer between 1024 and 65000, got ${basePort}`);
  }
  const proxy = (i: number, id: string, region: string): DevProxy => ({
    id,
    region,
    port: basePort + 11 + i,
    url: `http://127.0.0.1:${basePort + 11 + i}`,
    adminPort: basePort + 21 + i,
    adminUrl: `http://127.0.0.1:${basePort + 21 + i}`,
  });
  const proxies = [proxy(0, 'proxy-us-east', 'us-east'), proxy(1, 'proxy-eu-west', 'eu-west')];
  let next = basePort + 101;
  const cluster = (c: Omit<DevCluster, 'firstPort'>): DevCluster => {
    const firstPort = next;
    next += c.replicas;
    return { ...c, firstPort };
  };
  const clusters = [
    cluster({
      id: 'us-east-1', region: 'us-east', provider: 'coreweave', proxyId: 'proxy-us-east', gpuType: 'H100',
      pricePerHour: 4.25, replicas: 2, slotsPerReplica: 4, tokensPerSecond: 40, coldStartMs: 0, warm: 8, cold: 32,
      apps: ['acme/chat', 'acme/eu-chat', 'acme/train'],
    }),
    cluster({
      id: 'eu-west-1', region: 'eu-west', provider: 'lambda', proxyId: 'proxy-eu-west', gpuType: 'H100',
      pricePerHour: 2.99, replicas: 2, slotsPerReplica: 2, tokensPerSecond: 40, coldStartMs: 0, warm: 4, cold: 16,
      apps: ['acme/chat', 'acme/eu-chat'],
    }),
    cluster({
      id: 'eu-central-1', region: 'eu-central', provider: 'nebius', proxyId: 'proxy-eu-west', gpuType: 'H100',
      pricePerHour: 2.49, replicas: 1, slotsPerReplica: 4, tokensPerSecond: 30, coldStartMs: 0, warm: 4, cold: 16,
      apps: ['acme/chat', 'acme/eu-chat', 'acme/train'],
    }),
    cluster({
      id: 'ap-southeast-1', region: 'ap-southeast', provider: 'aws', proxyId: 'proxy-us-east', gpuType: 'A100',
      pricePerHour: 3.1, replicas: 1, slotsPerReplica: 2, tokensPerSecond: 25, coldStartMs: 0, warm: 2, cold: 8,
      apps: ['acme/chat'],
    }),
  ];
  return { edgePort: basePort, libsqlPort: basePort + 1, dashboardPort: basePort + 7, otlpPort: basePort + 8, proxies, clusters };
}

export interface DevPort {
  readonly port: number;
  /** What listens there, for messages: "edge Worker", "regional proxy proxy-us-east (admin)". */
  readonly what: string;
}

/** Every port a stack started with these options listens on: what a start checks is free first. */
export function devPorts(t: DevTopology, o: { readonly traces: boolean }): DevPort[] {
  return [
    { port: t.edgePort, what: 'edge Worker' },
    { port: t.libsqlPort, what: 'local libSQL endpoint' },
    { port: t.dashboardPort, what: 'operations dashboard' },
    ...(o.traces ? [{ port: t.otlpPort, what: 'OTLP trace receiver' }] : []),
    ...t.proxies.flatMap((p) => [
      { port: p.port, what: `regional proxy ${p.id}` },
      { port: p.adminPort, what: `regional proxy ${p.id} (admin)` },
    ]),
    ...t.clusters.flatMap((c) => replicaUrls(c).map((_, i) => ({ port: c.firstPort + i, what: `simulated cluster ${c.id}` }))),
  ];
}

export function replicaUrls(c: DevCluster): string[] {
  return Array.from({ length: c.replicas }, (_, i) => `http://127.0.0.1:${c.firstPort + i}`);
}
