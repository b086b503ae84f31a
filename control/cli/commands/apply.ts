import type { Command } from 'commander';
import { resolveDb, withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { runApply } from '../../config/run-apply.ts';
import { errorLine } from '../error-line.ts';
import { describeCommand } from '../command-index.ts';

/** `switchyard apply -f config.yaml [--db URL] [--dry-run]` */
export function register(program: Command): void {
  withDbFlags(
    program
      .command('apply')
      .description(describeCommand('apply'))
      .requiredOption('-f, --file <path>', 'YAML config file (see examples/demo.yaml)')
      .option('--dry-run', 'print what would change without writing', false),
  ).action(async (opts: DbFlags & { file: string; dryRun: boolean }) => {
    const db = resolveDb(opts, process.env);
    process.exitCode = await runApply({
      file: opts.file,
      dbUrl: db.url,
      authToken: db.authToken,
      dryRun: opts.dryRun,
      now: Date.now(),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(errorLine(line)),
    });
  });
}
