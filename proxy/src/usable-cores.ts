/**
 * How many cores this process may use: the CPUs it may run on (`os.availableParallelism()`, which
 * follows the affinity mask and cpusets) capped by a CPU quota from its cgroup. Node reads no
 * quota, so in a container limited to 2 CPUs on a 64-core host `--workers auto` forked 64 proxy
 * workers (~95 MB each, throttled to 2 cores between them): the quota is read here, cgroup v2
 * (`cpu.max`) or v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`), on this cgroup and its parents.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Cores a quota of `quota` µs per `period` µs gives: rounded, at least 1; null when unlimited or unreadable. */
export function coresFromQuota(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return Math.max(1, Math.round(quota / period));
}

/** cgroup v2 `cpu.max`: "max 100000" (no limit) or "<quota> <period>". */
export function coresFromCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  return coresFromQuota(Number(quota), Number(period ?? 100_000));
}

/** The cgroup paths of this process from /proc/self/cgroup: v2's, and v1's cpu controller's. */
export function cgroupPaths(text: string): { v2: string | null; v1Cpu: { mount: string; path: string } | null } {
  let v2: string | null = null;
  let v1Cpu: { mount: string; path: string } | null = null;
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m === null) continue;
    const controllers = m[1] ?? '';
    const path = m[2] ?? '/';
    if (controllers === '') v2 = path;
    else if (controllers.split(',').includes('cpu')) v1Cpu = { mount: controllers, path };
  }
  return { v2, v1Cpu };
}

/** `path` and each parent up to the root ("/a/b" → "/a/b", "/a", "/"). */
function upToRoot(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  const out: string[] = [];
  for (let i = parts.length; i >= 0; i -= 1) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The tightest CPU quota on this process's cgroup or its parents, in cores; null when none. */
export function cgroupCpuLimit(fsRoot = '/'): number | null {
  const self = read(join(fsRoot, 'proc/self/cgroup'));
  if (self === null) return null;
  const { v2, v1Cpu } = cgroupPaths(self);
  const limits: number[] = [];
  if (v2 !== null) {
    for (const dir of upToRoot(v2)) {
      const text = read(join(fsRoot, 'sys/fs/cgroup', dir, 'cpu.max'));
      const cores = text === null ? null : coresFromCpuMax(text);
      if (cores !== null) limits.push(cores);
    }
  }
  if (v1Cpu !== null) {
    // Mounted under the controllers' joined name ("cpu,cpuacct"), often also linked as "cpu".
    for (const mount of new Set([v1Cpu.mount, 'cpu'])) {
      for (const dir of upToRoot(v1Cpu.path)) {
        const base = join(fsRoot, 'sys/fs/cgroup', mount, dir);
        const quota = read(join(base, 'cpu.cfs_quota_us'));
        const period = read(join(base, 'cpu.cfs_period_us'));
        const cores = quota === null || period === null ? null : coresFromQuota(Number(quota), Number(period));
        if (cores !== null) limits.push(cores);
      }
    }
  }
  return limits.length === 0 ? null : Math.min(...limits);
}

/** Cores this process may use: the CPUs it may run on, capped by its cgroup's CPU quota. */
export function usableCores(cpus: number = availableParallelism(), fsRoot = '/'): number {
  const limit = cgroupCpuLimit(fsRoot);
  return limit === null ? cpus : Math.max(1, Math.min(cpus, limit));
}
