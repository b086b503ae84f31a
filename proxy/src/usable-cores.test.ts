import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupPaths, coresFromCpuMax, usableCores } from './usable-cores.ts';

describe('coresFromCpuMax (cgroup v2 cpu.max)', () => {
  it.each([
    ['max 100000\n', null],
    ['200000 100000\n', 2],
    ['150000 100000', 2],
    ['140000 100000', 1],
    ['50000 100000', 1],
    ['400000', 4],
    ['', null],
    ['garbage here', null],
    ['-1 100000', null],
  ])('%j → %s', (text, cores) => {
    expect(coresFromCpuMax(text)).toBe(cores);
  });
});

describe('cgroupPaths (/proc/self/cgroup)', () => {
  it.each([
    ['0::/kubepods/pod1/c1\n', { v2: '/kubepods/pod1/c1', v1Cpu: null }],
    ['4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n', { v2: '/', v1Cpu: { mount: 'cpu,cpuacct', path: '/docker/abc' } }],
    ['2:cpuacct:/\n1:cpu:/\n', { v2: null, v1Cpu: { mount: 'cpu', path: '/' } }],
    ['', { v2: null, v1Cpu: null }],
  ])('%j', (text, paths) => {
    expect(cgroupPaths(text)).toEqual(paths);
  });
});

describe('usableCores: the CPUs it may run on, capped by its cgroup quota', () => {
  const roots: string[] = [];
  const fsRoot = (files: Record<string, string>): string => {
    const root = mkdtempSync(join(tmpdir(), 'sy-cgroup-'));
    roots.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it.each([
    ['no quota (v2)', { 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': 'max 100000\n' }, 64, 64],
    ['a container limited to 2 CPUs (v2, namespaced)', { 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': '200000 100000\n' }, 64, 2],
    ['a parent cgroup limits it (v2)', { 'proc/self/cgroup': '0::/pod/c1\n', 'sys/fs/cgroup/pod/c1/cpu.max': 'max 100000\n', 'sys/fs/cgroup/pod/cpu.max': '300000 100000\n' }, 64, 3],
    ['the tighter of self and parent (v2)', { 'proc/self/cgroup': '0::/pod/c1\n', 'sys/fs/cgroup/pod/c1/cpu.max': '100000 100000\n', 'sys/fs/cgroup/pod/cpu.max': '300000 100000\n' }, 64, 1],
    ['v1 quota', { 'proc/self/cgroup': '4:cpu,cpuacct:/\n', 'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '400000\n', 'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' }, 16, 4],
    ['v1 without a quota', { 'proc/self/cgroup': '1:cpu:/\n', 'sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', 'sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }, 16, 16],
    ['a quota above the CPUs it may run on', { 'proc/self/cgroup': '0::/\n', 'sys/fs/cgroup/cpu.max': '800000 100000\n' }, 2, 2],
    ['nothing readable (not Linux)', {}, 8, 8],
  ])('%s', (_name, files, cpus, cores) => {
    expect(usableCores(cpus, fsRoot(files))).toBe(cores);
  });
});
