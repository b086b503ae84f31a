/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all by default) one after
 * another and prints their results. Each lives in bench/<name>.ts and exports run().
 * Results worth keeping go into BENCHMARKS.md with the command that produced them.
 */
const BENCHES: Record<string, string> = {
  decision: './decision.ts',
  worker: './worker.ts',
  proxy: './proxy.ts',
  'push-to-visible': './push-to-visible.ts',
  replay: './replay.ts',
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}

for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
  const path = BENCHES[name] ?? '';
  process.stdout.write(`\n=== ${name} (${path}) ===\n`);
  const mod = (await import(path)) as { run?: () => Promise<unknown> | unknown };
  if (typeof mod.run !== 'function') {
    process.stderr.write(`${path} exports no run()\n`);
    process.exitCode = 1;
    continue;
  }
  const result = await mod.run();
  if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
