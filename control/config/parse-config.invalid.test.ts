import { describe, expect, it } from 'vitest';
import { formatIssue } from './config-issue.ts';
import { parseConfig } from './parse-config.ts';

const base = `projects:
  - id: acme
clusters:
  - id: c1
    region: eu-west
    provider: lambda
    proxyUrl: http://127.0.0.1:1
    proxyId: p1
`;

describe('parseConfig: invalid configs name file, path, line and problem', () => {
  it.each([
    ['unknown region', `projects: [{id: acme}]\nclusters:\n  - id: c9\n    region: mars-north\n    provider: x\n    proxyUrl: http://x\n    proxyId: p\n`, 'clusters[0].region', 4, /unknown region 'mars-north'/],
    ['duplicate cluster', `${base}  - id: c1\n    region: us-east\n    provider: x\n    proxyUrl: http://x\n    proxyId: p\n`, 'clusters[1].id', 9, /duplicate cluster 'c1'/],
    ['duplicate app', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1]}\n  - {project: acme, name: chat, clusters: [c1]}\n`, 'apps[1].name', 11, /duplicate app 'acme\/chat'/],
    ['undeclared cluster', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1, nope]\n`, 'apps[0].clusters[1]', 12, /cluster 'nope', which is neither declared in this file nor stored in the database/],
    ['malformed key', `${base}apiKeys:\n  - id: k\n    project: acme\n    key: "short key"\n`, 'apiKeys[0].key', 12, /malformed API key/],
    ['malformed hash', `${base}apiKeys:\n  - {id: k, project: acme, hash: XYZ}\n`, 'apiKeys[0].hash', 10, /malformed hash/],
    ['key and hash both', `${base}apiKeys:\n  - {id: k, project: acme, hash: ${'a'.repeat(64)}, key: sk-0123456789abcdefg}\n`, 'apiKeys[0]', 10, /exactly one of 'key'/],
    ['unknown strategy', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    strategy: fastest\n`, 'apps[0].strategy', 13, /unknown strategy 'fastest'/],
    ['bad residency', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    residency: moon-only\n`, 'apps[0].residency', 13, /unknown residency 'moon-only'/],
    ['residency excluding every cluster', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], residency: na-only}\n`, 'apps[0].residency', 10, /excludes every cluster/],
    ['exclusions covering every cluster', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], excludedClusters: [c1]}\n`, 'apps[0].excludedClusters', 10, /excludes every cluster app 'acme\/chat' is deployed to/],
    ['a YAML alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: &c [${Array(10).fill('*b').join(', ')}]\nd: &d [${Array(10).fill('*c').join(', ')}]\ne: &e [${Array(10).fill('*d').join(', ')}]\nf: &f [${Array(10).fill('*e').join(', ')}]\ng: &g [${Array(10).fill('*f').join(', ')}]\n`, '', 1, /YAML: /],
    ['unknown residency region', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], residency: {regions: [eu-westt]}}\n`, 'apps[0].residency', 10, /unknown region eu-westt/],
    ['unknown field', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    residencey: any\n`, 'apps[0].residencey', 13, /unknown field 'residencey'/],
    ['undeclared project', `${base}apps:\n  - {project: other, name: chat, clusters: [c1]}\n`, 'apps[0].project', 10, /project 'other', which is neither declared in this file nor stored in the database/],
    ['bad proxy URL', `projects: []\nclusters:\n  - {id: c1, region: eu-west, provider: x, proxyUrl: 'ftp://x', proxyId: p}\n`, 'clusters[0].proxyUrl', 3, /http\(s\) URL/],
    ['weight for undeployed cluster', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], clusterWeights: {c2: 1}}\n`, 'apps[0].clusterWeights.c2', 10, /not in this app's clusters/],
    ['consistent-hash without header', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], strategy: consistent-hash}\n`, 'apps[0].strategy', 10, /needs an affinityHeader/],
    ['non-canonical function', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    requests:\n      functions: [v1/*, a//b]\n`, 'apps[0].requests.functions[1]', 14, /empty segment/],
    ['unknown request rule', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    requests: {maxBody: 3}\n`, 'apps[0].requests.maxBody', 13, /unknown rule/],
    ['bad TTFB budget', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    requests: {ttfbBudgetMs: -5}\n`, 'apps[0].requests.ttfbBudgetMs', 13, /milliseconds/],
    ['unknown limit scope', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    limits: {maxConcurrency: 4, scope: planet}\n`, 'apps[0].limits.scope', 13, /proxy.*region.*global/],
    ['zero concurrency limit', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    limits: {maxConcurrency: 0}\n`, 'apps[0].limits.maxConcurrency', 13, /0|positive|greater/i],
    // zod's own words ("Invalid input: expected string, received undefined") said neither what nor why.
    ['a missing field', `projects: [{id: acme}]\nclusters:\n  - id: c9\n    provider: x\n    proxyUrl: http://x\n    proxyId: p\n`, 'clusters[0].region', 3, /^is required \(a string\)$/],
    ['a wrong-typed field', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], auth: maybe}\n`, 'apps[0].auth', 10, /^expected true or false, got 'maybe'$/],
    ['unknown section', `${base}app: []\n`, 'app', 9, /unknown section 'app'/],
    // Every edge isolate holds every app's CORS list: one tenant's must stay small (session 24 audit).
    ['too many CORS origins', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    corsOrigins: [${Array.from({ length: 65 }, (_, i) => `'https://o${i}.example'`).join(', ')}]\n`, 'apps[0].corsOrigins', 13, /at most 64 CORS origins/],
    // The edge reads the header with Headers.get: a name it refuses threw on every request (500).
    ['affinity header that is not a header name', `${base}apps:\n  - {project: acme, name: chat, clusters: [c1], affinityHeader: 'x session'}\n`, 'apps[0].affinityHeader', 10, /HTTP header name/],
    // Origins are compared exactly with the browser's Origin header: these could never match.
    ['a CORS origin without a scheme', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    corsOrigins: ['app.example.com']\n`, 'apps[0].corsOrigins[0]', 13, /scheme:\/\/host/],
    ['a CORS origin with a path', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    corsOrigins: ['https://app.example.com/']\n`, 'apps[0].corsOrigins[0]', 13, /https:\/\/app\.example\.com'/],
    ['a CORS origin too long', `${base}apps:\n  - project: acme\n    name: chat\n    clusters: [c1]\n    corsOrigins: ['https://${'a'.repeat(300)}.example']\n`, 'apps[0].corsOrigins[0]', 13, /at most 300 characters/],
  ])('%s', (_name, text, path, line, message) => {
    const r = parseConfig(text, 'cfg.yaml');
    expect(r.valid).toBe(false);
    expect(r.config).toBeNull();
    const issue = r.errors.find((e) => e.path === path);
    expect(issue, JSON.stringify(r.errors)).toBeDefined();
    expect(issue?.line).toBe(line);
    expect(issue?.message).toMatch(message);
    expect(issue?.file).toBe('cfg.yaml');
  });

  it('reports every problem at once, across sections', () => {
    const text = `projects: [{id: acme}]
clusters:
  - {id: c1, region: nowhere, provider: x, proxyUrl: 'http://x', proxyId: p}
apiKeys:
  - {id: k, project: acme, key: bad}
apps:
  - {project: acme, name: a, clusters: [c1], strategy: nope}
`;
    const r = parseConfig(text, 'cfg.yaml');
    // c1 is declared (with a bad region): the app that uses it is not told it is undeclared.
    expect(r.errors.map((e) => e.path).sort()).toEqual(['apiKeys[0].key', 'apps[0].strategy', 'clusters[0].region']);
    expect(r.errors.map(formatIssue)).toContain("cfg.yaml:3: clusters[0].region: unknown region 'nowhere' (see shared/domain/regions.ts for the known regions)");
  });

  it('still checks an element with an unknown field, and never calls an invalid declaration undeclared', () => {
    const text = `projects: [{id: acme}]
clusters:
  - {id: c1, region: eu-west, provider: x, proxyUrl: 'http://x', proxyId: p, price: 2}
  - {id: c2, region: mars, provider: x, proxyUrl: 'http://x', proxyId: p}
apps:
  - {project: acme, name: chat, clusters: [c1, nope], residency: moon, maxx: 1}
  - {project: acme, name: chat2, clusters: [c1, c2]}
`;
    const r = parseConfig(text, 'cfg.yaml');
    expect(r.valid).toBe(false);
    // Before: the unknown fields hid apps[0]'s other problems, and c1/c2 were "undeclared" in apps[1].
    expect(r.errors.map((e) => `${e.path}: ${e.message}`).sort()).toEqual([
      "apps[0].clusters[1]: app 'acme/chat' refers to cluster 'nope', which is neither declared in this file nor stored in the database (declare it under 'clusters:', or apply the file that declares it first)",
      "apps[0].maxx: unknown field 'maxx'",
      expect.stringMatching(/^apps\[0\]\.residency: unknown residency 'moon'/),
      "clusters[0].price: unknown field 'price'",
      expect.stringMatching(/^clusters\[1\]\.region: unknown region 'mars'/),
    ]);
  });

  it('a field of the wrong shape does not hide the rest of its element\'s problems', () => {
    const text = `${base}apps:
  - project: nope
    name: chat
    clusters: [c1, mars-1]
    strategy: fastest
    limits: { maxConcurrency: -1, maxRps: abc }
    corsOrigins: ['app.example.com']
`;
    const r = parseConfig(text, 'cfg.yaml');
    // Before: only the two limits errors; the project, cluster, strategy and CORS origin came one run later.
    expect(r.errors.map((e) => e.path).sort()).toEqual([
      'apps[0].clusters[1]',
      'apps[0].corsOrigins[0]',
      'apps[0].limits.maxConcurrency',
      'apps[0].limits.maxRps',
      'apps[0].project',
      'apps[0].strategy',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parseConfig('projects:\n  - id: [unclosed\n', 'cfg.yaml');
    expect(r.valid).toBe(false);
    expect(r.errors[0]?.message).toMatch(/^YAML syntax/);
    expect(r.errors[0]?.line).not.toBeNull();
  });

  it('refuses duplicate YAML keys instead of keeping the last', () => {
    expect(parseConfig('projects: []\nprojects: []\n', 'cfg.yaml').valid).toBe(false);
  });
});
