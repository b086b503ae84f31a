/**
 * An endpoints file the proxy cannot use at start is a startup error naming the setting and the
 * file. The proxy used to say `proxy ready` on a missing, unparsable or invalid file and refuse
 * every request (the registry keeps its last good load on a bad reload, and at start it had none).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { serveProxy } from './server.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-endpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SETTING = 'endpointsFile (PROXY_ENDPOINTS_FILE, --endpoints-file)';

it.each([
  { what: 'a missing file', path: () => join(dir, 'missing.json'), says: (p: string) => `${SETTING} ${p}: cannot read it (no such file)` },
  { what: 'a directory', path: () => dir, says: (p: string) => `${SETTING} ${p}: cannot read it (it is a directory)` },
  { what: 'a file that does not parse', path: () => file('bad.json', '{"endpoints": [\n'), says: (p: string) => `${SETTING} ${p}: not valid JSON or YAML: ` },
  {
    what: 'an endpoint without a url',
    path: () => file('invalid.json', JSON.stringify({ endpoints: [{ app: 'a', cluster: 'c1' }] })),
    says: (p: string) => `${SETTING} ${p}: invalid endpoints file:\n  endpoints[0]: needs string cluster, app and url`,
  },
  {
    what: "a replica's slots that are not a whole number",
    path: () => file('slots.json', JSON.stringify({ endpoints: [{ app: 'a/x', cluster: 'c1', url: 'http://127.0.0.1:1', slots: 2.5 }] })),
    says: (p: string) => `${SETTING} ${p}: invalid endpoints file:\n  endpoints[0].slots: expected the replica's slots, a whole number ≥ 1 (or leave it out to learn them), got 2.5`,
  },
])('$what is refused at start, named', async ({ path, says }) => {
  const p = path();
  const env = { PROXY_ID: 'p1', PROXY_AUTH_DISABLED: 'true', PROXY_PORT: '0', PROXY_HOST: '127.0.0.1', PROXY_LOG_LEVEL: 'silent', PROXY_ENDPOINTS_FILE: p };
  await expect(serveProxy({ env })).rejects.toThrow(says(p));
});
