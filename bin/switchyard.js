#!/usr/bin/env -S node --
// Thin launcher: runs the TypeScript CLI with tsx's loader (`node --import`) so no build step is
// needed. Not through tsx's own CLI: that parent process SIGKILLs its child when the child does not
// acknowledge a signal within 30 ms, which on a busy machine killed `switchyard dev` half-way
// through stopping what it started (and left its proxies running) on Ctrl-C.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const loader = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href;
// `--` ends Node's own options, here and in the shebang: Node 20 takes an `--env-file <file>` anywhere
// before it as its own (nodejs/node#54232) and exits 9 on a missing file before `switchyard edge`
// can say which option named it.
const child = spawn(process.execPath, ['--import', loader, '--', join(root, 'control/cli/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
// A terminal's Ctrl-C reaches the child too (same process group); a signal sent to this process
// alone is passed on. The child's own handlers decide what a signal means (drain, stop, exit).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 1 : (constants.signals[signal] ?? 1))));
