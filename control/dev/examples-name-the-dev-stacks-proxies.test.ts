/**
 * The examples are what a newcomer applies to the running demo stack (`switchyard apply -f
 * examples/demo.yaml`, an aggregator from examples/aggregator.yaml). demo.yaml writes each
 * cluster's proxy URL; aggregator.yaml names none, so an aggregator started from it against a
 * stack on other ports keeps the proxy apply registered (walkthrough L4). examples/demo.yaml named proxies on 8101/8102 while the stack's listen on base+11..;
 * applying it sent every request to a closed port (502 "all refused"). Every proxy an example names
 * must be the one `npm start` runs, on its default ports, as topology.ts derives them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_BASE_PORT, devTopology } from './topology.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = join(ROOT, 'examples');
const stack = devTopology({ basePort: DEFAULT_DEV_BASE_PORT });

interface ProxyRef {
  readonly id?: unknown;
  readonly proxyId: unknown;
  readonly proxyUrl: unknown;
}

/** Every object in a parsed document that names a proxy (a cluster in any of the file formats). */
function proxyRefs(node: unknown): ProxyRef[] {
  if (Array.isArray(node)) return node.flatMap(proxyRefs);
  if (node === null || typeof node !== 'object') return [];
  const here = 'proxyUrl' in node && 'proxyId' in node ? [node as ProxyRef] : [];
  return [...here, ...Object.values(node).flatMap(proxyRefs)];
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe("examples name the dev stack's proxies", () => {
  it('in the files that configure clusters', async () => {
    const named = [];
    for (const file of await yamlFiles(EXAMPLES)) {
      if (proxyRefs(parse(await readFile(file, 'utf8'))).length > 0)
        named.push(relative(EXAMPLES, file));
    }
    // Guards the walk below against finding nothing (a renamed field, a moved file).
    expect(named).toEqual(expect.arrayContaining(['demo.yaml']));
    expect(named).not.toContain('aggregator.yaml');
  });

  it.each(['demo.yaml'])(
    '%s: on the ports `npm start` runs them on',
    async (name) => {
      const refs = proxyRefs(parse(await readFile(join(EXAMPLES, name), 'utf8')));
      for (const ref of refs) {
        const proxy = stack.proxies.find((p) => p.id === ref.proxyId);
        expect(
          proxy,
          `${name}: proxy ${String(ref.proxyId)} is not one the dev stack runs`,
        ).toBeDefined();
        expect(ref.proxyUrl, `${name}: ${String(ref.id)} behind ${String(ref.proxyId)}`).toBe(
          proxy?.url,
        );
        // A cluster the dev stack runs sits behind the same proxy there.
        const cluster = stack.clusters.find((c) => c.id === ref.id);
        if (cluster !== undefined)
          expect(ref.proxyId, `${name}: ${cluster.id}`).toBe(cluster.proxyId);
      }
    },
  );
});
