/**
 * The container images, checked structurally (no daemon on developer machines or CI): official
 * Node 20 base, tini as PID 1 with exec-form ENTRYPOINT/CMD so SIGTERM reaches Node, a non-root
 * USER, a HEALTHCHECK against the real health path, ports that match the Kubernetes manifests,
 * and a COPY list that is enough to start the CLI command the image runs (proved by loading it
 * from exactly those files). Set SWITCHYARD_BUILD_IMAGES=1 where docker or podman can build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Dockerfile, type JSONInstruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { HEALTH_PATH } from '../../proxy/src/admin-listener.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const IMAGES = ['proxy', 'aggregator'] as const;
const file = (image: string): string => join(HERE, `${image}.Containerfile`);
const parse = (image: string): Dockerfile => DockerfileParser.parse(readFileSync(file(image), 'utf8'));

/** The JSON array of an exec-form instruction, or null for shell form. */
function execForm(i: JSONInstruction | undefined): string[] | null {
  if (i === undefined) return null;
  const strings = i.getJSONStrings().map((s) => JSON.parse(s.getValue()) as string);
  return strings.length > 0 ? strings : null;
}

const keywordIndex = (d: Dockerfile, kw: string): number => d.getInstructions().findIndex((i) => i.getKeyword() === kw);

describe.each(IMAGES)('%s image', (image) => {
  const d = parse(image);

  it('builds on the official Node 20 image', () => {
    const froms = d.getFROMs();
    expect(froms).toHaveLength(1);
    expect(froms[0]?.getImageName()).toBe('node');
    expect(froms[0]?.getImageTag()).toMatch(/^20(-|$|\.)/);
  });

  it('runs tini as PID 1 in exec form, so SIGTERM reaches Node', () => {
    const entry = execForm(d.getENTRYPOINTs()[0]);
    expect(entry?.slice(0, 3)).toEqual(['/usr/bin/tini', '--', 'node']);
    // The built CLI (npm run build), not TypeScript through tsx's loader in every process.
    expect(entry?.slice(3)).toEqual(['dist/main.mjs']);
    expect(execForm(d.getCMDs()[0])).not.toBeNull();
    const runs = d.getInstructions().filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((r) => /apt-get install[^&]*\btini\b/.test(r))).toBe(true);
  });

  it('switches to a non-root user before the entrypoint', () => {
    const user = d.getInstructions().find((i) => i.getKeyword() === 'USER')?.getArgumentsContent() ?? '';
    expect(user).not.toMatch(/^(0|root)(:|$)/);
    expect(user).toMatch(/^\d+:\d+$/); // numeric, so Kubernetes runAsNonRoot can verify it
    expect(keywordIndex(d, 'USER')).toBeLessThan(keywordIndex(d, 'ENTRYPOINT'));
  });

  it('has an exec-form HEALTHCHECK', () => {
    const hc = d.getHEALTHCHECKs();
    expect(hc).toHaveLength(1);
    expect(hc[0]?.getSubcommand()?.getValue()).toBe('CMD');
    expect(hc[0]?.getArgumentsContent()).toMatch(/CMD \["node"/);
  });

  it('copies only paths that exist, and they are enough to start the command it runs', () => {
    const sources = d.getCOPYs().map((c) => c.getArguments()[0]?.getValue() ?? '');
    for (const s of sources) expect(existsSync(join(ROOT, s)), s).toBe(true);
    // Lay out exactly what the image gets (node_modules from this checkout) and load the CLI.
    const dir = mkdtempSync(join(tmpdir(), `switchyard-image-${image}-`));
    try {
      for (const c of d.getCOPYs()) {
        // COPY <src>... <dest>: every argument but the last is a source.
        const args = c.getArguments().map((a) => a.getValue());
        const dest = args.at(-1);
        if (dest === undefined) continue;
        for (const src of args.slice(0, -1)) {
          const target = dest === './' ? join(dir, src) : join(dir, dest);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(ROOT, src), target, { recursive: true });
        }
      }
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      // The image's build step, run as the Containerfile says, on exactly those files.
      const build = d.getInstructions().find((i) => i.getKeyword() === 'RUN' && /build-dist\.ts/.test(i.getArgumentsContent() ?? ''));
      expect(build, 'a RUN that builds dist/').toBeDefined();
      const built = spawnSync('sh', ['-c', build?.getArgumentsContent() ?? 'false'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(built.status, built.stderr).toBe(0);
      const entry = execForm(d.getENTRYPOINTs()[0]) ?? [];
      const cmd = execForm(d.getCMDs()[0]) ?? [];
      const r = spawnSync(process.execPath, [...entry.slice(3), cmd[0] ?? '', '--help'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect(r.stderr).toBe('');
      expect(entry.join(' ')).not.toMatch(/tsx/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: switchyard ${cmd[0] ?? '?'}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  const builder = ['docker', 'podman'].find((b) => spawnSync(b, ['info'], { stdio: 'ignore', timeout: 5_000 }).status === 0);
  it.skipIf(process.env['SWITCHYARD_BUILD_IMAGES'] !== '1' || builder === undefined)('builds with docker/podman', () => {
    execFileSync(builder ?? 'docker', ['build', '-f', file(image), '-t', `switchyard/${image}:test`, ROOT], { stdio: 'inherit', timeout: 600_000 });
  }, 600_000);
});

describe('proxy image and the Kubernetes Deployment agree', () => {
  it('exposes the ports the manifest uses, and its health check asks the admin health path', () => {
    const d = parse('proxy');
    const env = new Map(d.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue() ?? ''] as const)));
    const exposed = d.getInstructions().filter((i) => i.getKeyword() === 'EXPOSE').flatMap((i) => i.getArguments().map((a) => Number(a.getValue())));
    expect(exposed.sort()).toEqual([Number(env.get('PROXY_PORT')), Number(env.get('PROXY_ADMIN_PORT'))].sort());
    expect(d.getHEALTHCHECKs()[0]?.getArgumentsContent()).toContain(HEALTH_PATH);
    const deployment = parseAllDocuments(readFileSync(join(ROOT, 'infra/k8s/proxy.yaml'), 'utf8'))
      .map((x) => x.toJS() as { kind: string; spec?: { template?: { spec?: { containers?: Array<{ ports?: Array<{ containerPort: number }> }> } } } })
      .find((m) => m.kind === 'Deployment');
    const ports = deployment?.spec?.template?.spec?.containers?.[0]?.ports?.map((p) => p.containerPort) ?? [];
    expect(ports.sort()).toEqual(exposed.sort());
  });
});
