/**
 * The command line that runs `switchyard <args>` from this checkout: `node --import <tsx loader>
 * control/cli/main.ts`, one process. Not through tsx's own CLI, which is a second Node process
 * in front of the first: it costs ~0.7 s more per start, and it re-sends SIGTERM to its child
 * when the child does not acknowledge within 30 ms and SIGKILLs it 30 ms later — on a loaded
 * machine that killed a draining proxy before it could hand its streams off (e2e
 * pinned-job-returns-to-its-cluster-after-proxy-drain). The loader is named by its file URL, so
 * the command works from any working directory.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
/** tsx's loader for `node --import`, by file URL (any working directory). */
export const TSX_LOADER = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/loader.mjs')).href;
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export function switchyardCommand(args: readonly string[]): { command: string; args: string[] } {
  // `--`: the args are the CLI's, never Node's (Node 20 would take `--env-file <file>` for its own).
  return { command: process.execPath, args: ['--import', TSX_LOADER, '--', MAIN, ...args] };
}
