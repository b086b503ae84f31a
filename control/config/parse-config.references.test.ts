/**
 * A file may refer to projects and clusters another file (or an aggregator) stored: one file per
 * tenant or app. Before, every reference had to be declared in the same file ("refers to
 * undeclared project 'acme'" while acme was in the database), and restating the project to
 * satisfy that reset its omitted fields. Pure: the stored rows are given.
 */
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../shared/domain/types.ts';
import { formatIssue } from './config-issue.ts';
import { parseConfig } from './parse-config.ts';
import { NOT_READ_YET, NOTHING_STORED, type StoredRows } from './stored-rows.ts';

const usEast: Cluster = {
  id: 'us-east-1',
  region: 'us-east',
  continent: 'NA',
  country: 'US',
  provider: 'coreweave',
  location: { lat: 39, lon: -77.5 },
  proxyUrl: 'http://127.0.0.1:8798',
  proxyId: 'proxy-us-east',
};
const stored: StoredRows = { projectIds: new Set(['acme']), clusters: new Map([[usEast.id, usEast]]) };
const NEITHER = 'which is neither declared in this file nor stored in the database';

const key = 'apiKeys:\n  - id: acme-2\n    project: acme\n    key: sk-acme-second-0123456789abcdef\n';
const app = (project: string, clusters: string, extra = ''): string => `apps:\n  - project: ${project}\n    name: chat\n    clusters: [${clusters}]\n${extra}`;

describe('parseConfig resolves references against the file and the stored rows', () => {
  it.each([
    ['a key for a stored project', key, stored],
    ['an app on a stored project and stored cluster', app('acme', 'us-east-1'), stored],
    ['a stored cluster beside one the file declares', `clusters:\n  - {id: eu-west-1, region: eu-west, provider: x, proxyUrl: 'http://x', proxyId: p}\n${app('acme', 'us-east-1, eu-west-1', '    residency: eu-only\n')}`, stored],
    // The first pass, before the database is read: only the file's own problems.
    ['a key for an undeclared project, database not read yet', key, NOT_READ_YET],
    ['an app on undeclared rows, database not read yet', app('globex', 'mars-1', '    residency: eu-only\n'), NOT_READ_YET],
  ] as const)('valid: %s', (_name, text, rows) => {
    expect(parseConfig(text, 'tenant.yaml', rows).errors).toEqual([]);
  });

  it.each([
    ['a key for a project in neither', key.replace('project: acme', 'project: globex'), NOTHING_STORED, `tenant.yaml:3: apiKeys[0].project: API key refers to project 'globex', ${NEITHER} (declare it under 'projects:', or apply the file that declares it first)`],
    ['an app on a project in neither', app('globex', 'us-east-1'), stored, `tenant.yaml:2: apps[0].project: app refers to project 'globex', ${NEITHER} (declare it under 'projects:', or apply the file that declares it first)`],
    ['an app on a cluster in neither', app('acme', 'us-east-1, eu-west-9'), stored, `tenant.yaml:4: apps[0].clusters[1]: app 'acme/chat' refers to cluster 'eu-west-9', ${NEITHER} (declare it under 'clusters:', or apply the file that declares it first)`],
    // Residency is judged on the stored cluster's continent, as on a declared one.
    ['a residency that excludes the stored cluster', app('acme', 'us-east-1', '    residency: eu-only\n'), stored, "tenant.yaml:5: apps[0].residency: residency excludes every cluster app 'acme/chat' is deployed to"],
    // The file's declaration is what gets written: its region, not the stored one, is judged.
    ['a stored cluster the file moves out of the residency', `clusters:\n  - {id: us-east-1, region: us-east, provider: x, proxyUrl: 'http://x', proxyId: p}\n${app('acme', 'us-east-1', '    residency: eu-only\n')}`, { ...stored, clusters: new Map([[usEast.id, { ...usEast, region: 'eu-west', continent: 'EU' as const }]]) }, "tenant.yaml:7: apps[0].residency: residency excludes every cluster app 'acme/chat' is deployed to"],
  ] as const)('refused: %s', (_name, text, rows, message) => {
    const r = parseConfig(text, 'tenant.yaml', rows);
    expect(r.valid).toBe(false);
    expect(r.errors.map(formatIssue)).toEqual([message]);
  });
});
