import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { serveProxy } from './server.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('a missing --config file is named, without a bare ENOENT', async () => {
  const path = join(dir, 'missing.yaml');
  await expect(serveProxy({ env: {}, configFile: path })).rejects.toThrow(
    `config file ${path}: cannot read it (no such file)`,
  );
});

test('a --config file that is not YAML is named with the parser line', async () => {
  const path = file('bad.yaml', 'id: p1\nregion: [unclosed\n');
  await expect(serveProxy({ env: {}, configFile: path })).rejects.toThrow(
    new RegExp(`^config file ${path}: not valid YAML: .*at line \\d+, column \\d+$`),
  );
});

test('a --config file that is a list is refused as a whole, not as fields "0" and "1"', async () => {
  const path = file('list.yaml', '- 1\n- 2\n');
  await expect(serveProxy({ env: {}, configFile: path })).rejects.toThrow(
    `config file ${path}: must be a mapping of camelCase ProxyConfig keys (e.g. "port: 8798"), got a list`,
  );
});
