/**
 * The Kubernetes manifests, parsed and checked against the code they run: every env var set is
 * one the proxy or aggregator reads (derived from their config code), the proxy's own config
 * parser accepts the Deployment's env, the drain deadline fits inside the preStop hook and the
 * grace period, probes and metrics point at the admin listener's real paths, selectors match,
 * the TLS secret is mounted where the env says, and the aggregator's ConfigMap is a valid config.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Container, EnvVar, Service } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadAggregatorConfig } from '../../control/aggregator/load-aggregator-config.ts';
import { HEALTH_PATH } from '../../proxy/src/admin-listener.ts';
import { DEFAULT_CONFIG, parseProxyConfig } from '../../proxy/src/config.ts';
import { DB_ENV_NAMES } from '../../shared/env/db-env.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

function load(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(HERE, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Manifest;
  });
}

const ALL = ['namespace.yaml', 'proxy.yaml', 'aggregator.yaml'].flatMap((f) => load(f).map((m) => ({ file: f, m })));
const one = <T>(kind: string, name: string): T => {
  const found = ALL.find(({ m }) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found.m as T;
};
const container = (d: Deployment): Container => {
  const c = d.spec?.template.spec?.containers[0];
  if (c === undefined) throw new Error(`${d.metadata?.name ?? '?'} has no container`);
  return c;
};
const envNames = (c: Container): string[] => (c.env ?? []).map((e: EnvVar) => e.name);
const envValue = (c: Container, name: string): string | undefined => c.env?.find((e) => e.name === name)?.value;

/** The env vars the proxy's config parser reads, recorded by parsing through a recording env. */
function proxyEnvNames(): string[] {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_t, k) {
      if (typeof k === 'string') seen.add(k);
      return undefined;
    },
  });
  parseProxyConfig({ env });
  return [...seen];
}

/**
 * The aggregator reads its database from env in its CLI entrypoint (config file for the rest),
 * through the one database env rule (names and aliases): requireDbEnv, or resolveDb
 * (control/config/db-flags.ts), which every command's --db/LIBSQL_URL resolution goes through.
 */
function aggregatorEnvNames(): string[] {
  const src = readFileSync(join(ROOT, 'control/cli/commands/aggregator.ts'), 'utf8');
  const readsDbEnv = /(requireDbEnv|resolveDb)\([^)]*process\.env/.test(src);
  const db = readsDbEnv ? Object.values(DB_ENV_NAMES).flatMap((n) => [n.name, n.alias]) : [];
  return [...[...src.matchAll(/process\.env\['([A-Z0-9_]+)'\]/g)].map((m) => m[1] ?? ''), ...db];
}

const proxy = one<Deployment>('Deployment', 'proxy-us-east');
const pc = container(proxy);
const aggregator = one<Deployment>('Deployment', 'aggregator-us-east-1');
const ac = container(aggregator);

describe('kubernetes manifests', () => {
  it('are all well-formed objects in the switchyard namespace (RBAC in the apps namespace)', () => {
    for (const { file, m } of ALL) {
      expect(m.apiVersion, file).toMatch(/^([a-z0-9.]+\/)?v\d/);
      expect(m.metadata.name, file).toMatch(/^[a-z0-9-]+$/);
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind);
      if (!clusterScoped) expect(['switchyard', 'inference'], `${m.kind} ${m.metadata.name}`).toContain(m.metadata.namespace);
    }
  });

  it('proxy: every env var set is one the proxy reads, and its config parser accepts them', () => {
    const known = proxyEnvNames();
    expect(known.length).toBeGreaterThan(30);
    expect(envNames(pc).filter((n) => !known.includes(n))).toEqual([]);
    const env: Record<string, string> = {};
    for (const e of pc.env ?? []) env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef !== undefined ? `from-secret-${e.name}` : '');
    env['LIBSQL_URL'] = 'libsql://switchyard-example.turso.io';
    const parsed = parseProxyConfig({ env });
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  it('proxy: the drain deadline fits inside the preStop hook, and the hook inside the grace period', () => {
    const deadlineS = Number(envValue(pc, 'PROXY_DRAIN_DEADLINE_MS') ?? DEFAULT_CONFIG.drainDeadlineMs) / 1000;
    const hook = (pc.lifecycle?.preStop?.exec?.command ?? []).join(' ');
    expect(hook).toMatch(/kill -TERM 1/); // starts the drain (tini, PID 1, forwards it to Node)
    const sleepS = Number(/sleep (\d+)/.exec(hook)?.[1] ?? NaN);
    const grace = proxy.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    expect(deadlineS).toBeGreaterThanOrEqual(300); // long streams need a long drain
    expect(sleepS).toBeGreaterThanOrEqual(deadlineS + 5); // kubelet's SIGTERM only after the drain
    expect(grace).toBeGreaterThanOrEqual(sleepS + 5);
  });

  it('proxy: probes and the metrics Service use the admin listener and its real paths', () => {
    const adminPort = Number(envValue(pc, 'PROXY_ADMIN_PORT'));
    const port = (name: string): number | undefined => pc.ports?.find((p) => p.name === name)?.containerPort;
    expect(port('admin')).toBe(adminPort);
    expect(port('traffic')).toBe(Number(envValue(pc, 'PROXY_PORT')));
    expect(envValue(pc, 'PROXY_ADMIN_HOST')).toBe('0.0.0.0'); // the kubelet probes the pod IP
    expect(pc.readinessProbe?.httpGet?.path).toBe(HEALTH_PATH);
    expect(pc.readinessProbe?.httpGet?.port).toBe('admin');
    // Health answers 503 while draining: liveness must not use it, or drains would be killed.
    expect(pc.livenessProbe?.httpGet).toBeUndefined();
    expect(pc.livenessProbe?.tcpSocket?.port).toBe('admin');
    const metrics = one<Service>('Service', 'proxy-us-east-metrics');
    expect(metrics.metadata?.annotations?.['prometheus.io/path']).toBe(envValue(pc, 'PROXY_METRICS_PATH') ?? DEFAULT_CONFIG.metricsPath);
    expect(metrics.spec?.ports?.[0]?.targetPort).toBe('admin');
    expect(metrics.spec?.type).toBe('ClusterIP');
    const traffic = one<Service>('Service', 'proxy-us-east');
    expect(traffic.spec?.ports?.map((p) => p.targetPort)).toEqual(['traffic']);
  });

  it('proxy: the TLS secret is mounted where PROXY_TLS_CERT_FILE / KEY point', () => {
    const mount = pc.volumeMounts?.find((v) => v.name === 'tls');
    const volume = proxy.spec?.template.spec?.volumes?.find((v) => v.name === 'tls');
    expect(volume?.secret?.secretName).toMatch(/.+/);
    expect(envValue(pc, 'PROXY_TLS_CERT_FILE')).toBe(`${mount?.mountPath ?? '?'}/tls.crt`);
    expect(envValue(pc, 'PROXY_TLS_KEY_FILE')).toBe(`${mount?.mountPath ?? '?'}/tls.key`);
    const jwks = pc.volumeMounts?.find((v) => v.name === 'jwks');
    expect(envValue(pc, 'PROXY_JWKS_FILE')?.startsWith(`${jwks?.mountPath ?? '?'}/`)).toBe(true);
  });

  it('proxy: PDB and Services select the Deployment\'s pods; rollouts never drop capacity', () => {
    const labels = proxy.spec?.template.metadata?.labels ?? {};
    const matches = (sel: Record<string, string> | undefined): boolean => Object.entries(sel ?? {}).length > 0 && Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
    expect(matches(proxy.spec?.selector.matchLabels)).toBe(true);
    expect(matches(one<PodDisruptionBudget>('PodDisruptionBudget', 'proxy-us-east').spec?.selector?.matchLabels)).toBe(true);
    expect(matches(one<Service>('Service', 'proxy-us-east').spec?.selector)).toBe(true);
    expect(matches(one<Service>('Service', 'proxy-us-east-metrics').spec?.selector)).toBe(true);
    expect(proxy.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it.each([
    ['proxy', proxy],
    ['aggregator', aggregator],
  ] as const)('%s: runs as a non-root user without privilege escalation', (_n, d) => {
    expect(d.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(d.spec?.template.spec?.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container(d).securityContext?.allowPrivilegeEscalation).toBe(false);
  });

  it('aggregator: env vars are the ones its entrypoint reads, and the ConfigMap is a valid aggregator config', async () => {
    expect(envNames(ac).filter((n) => !aggregatorEnvNames().includes(n))).toEqual([]);
    const args = ac.args ?? [];
    const configPath = args[args.indexOf('--config') + 1] ?? '';
    const mount = ac.volumeMounts?.find((v) => configPath.startsWith(`${v.mountPath}/`));
    const cmName = aggregator.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name)?.configMap?.name ?? '';
    const cm = one<ConfigMap>('ConfigMap', cmName);
    const key = configPath.slice((mount?.mountPath ?? '').length + 1);
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-k8s-'));
    try {
      await writeFile(join(dir, key), cm.data?.[key] ?? '');
      const loaded = await loadAggregatorConfig(join(dir, key), {});
      expect(loaded.ok ? [] : loaded.issues).toEqual([]);
      // Tokens name the proxy by id and URL: the cluster must name the proxy that fronts it.
      if (loaded.ok) {
        expect(loaded.config.cluster.proxyId).toBe(envValue(pc, 'PROXY_ID'));
        expect(loaded.config.cluster.proxyUrl?.replace(/\/$/, '')).toBe(envValue(pc, 'PROXY_PUBLIC_URL'));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('aggregator: its ServiceAccount may read (only read) the pods, nodes, events and autoscaler status its Kubernetes view reads', () => {
    const sa = aggregator.spec?.template.spec?.serviceAccountName;
    expect(one<Manifest>('ServiceAccount', sa ?? '?').metadata.namespace).toBe('switchyard');
    const binding = one<ClusterRoleBinding>('ClusterRoleBinding', 'switchyard-aggregator');
    expect(binding.subjects).toContainEqual({ kind: 'ServiceAccount', name: sa, namespace: 'switchyard' });
    const role = one<ClusterRole>(binding.roleRef.kind, binding.roleRef.name);
    const allowed = (resource: string, verb: string): boolean =>
      (role.rules ?? []).some((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes(resource) && r.verbs.includes(verb));
    // kubernetes-view.ts: listNamespacedPod / listPodForAllNamespaces (pods), listNode (nodes),
    // listNamespacedEvent (scale-up events) and readNamespacedConfigMap (autoscaler status).
    expect(allowed('pods', 'list')).toBe(true);
    expect(allowed('nodes', 'list')).toBe(true);
    expect(allowed('events', 'list')).toBe(true);
    expect(allowed('configmaps', 'get')).toBe(true);
    // ConfigMaps may hold secrets of other workloads: only the autoscaler's status is readable.
    for (const r of role.rules ?? []) if ((r.resources ?? []).includes('configmaps')) expect(r.resourceNames).toEqual(['cluster-autoscaler-status']);
    for (const r of role.rules ?? []) expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
  });

  it('kustomization lists every manifest file', () => {
    const k = parseAllDocuments(readFileSync(join(HERE, 'kustomization.yaml'), 'utf8'))[0]?.toJS() as { resources: string[] };
    expect(k.resources.sort()).toEqual(['aggregator.yaml', 'namespace.yaml', 'proxy.yaml']);
  });
});
