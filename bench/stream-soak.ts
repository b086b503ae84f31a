/**
 * Stream soak (issue 14): N SSE chat streams held through one regional proxy while a replica
 * is SIGKILLed every K seconds (and restarted on its port a few seconds later). The app opts in
 * to continuation, so every stream must end complete — its text exactly the simulator's
 * deterministic answer, one completion id, `[DONE]` — whether it was continued or not. Reports
 * streams lost (must be 0), streams continued, and the proxy's RSS over time.
 *
 *   npx tsx bench/stream-soak.ts     (SOAK_STREAMS=1000 SOAK_SECONDS=300 SOAK_KILL_EVERY_S=60)
 *
 * The issue asks 1,000 streams × 30 min with a kill every 5 min; run scaled, state the scaling.
 * Each process stays under the 20 000 open-file limit: the proxy holds two sockets per stream.
 * A stream that ends is replaced at once, so N are always held; each lasts SOAK_TOKENS tokens at
 * SOAK_TOKENS_PER_S (default 120 at 2/s: a minute).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { answerText } from '../control/sim-cluster/openai-format.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const STREAMS = num('SOAK_STREAMS', 1000);
const SECONDS = num('SOAK_SECONDS', 300);
const KILL_EVERY_S = num('SOAK_KILL_EVERY_S', 60);
const REPLICAS = num('SOAK_REPLICAS', 4);
const TOKENS = num('SOAK_TOKENS', 120);
const TOKENS_PER_S = num('SOAK_TOKENS_PER_S', 2);
const RESTART_AFTER_MS = 5_000;
const BASE_PORT = num('SOAK_BASE_PORT', 27_500);

function tsx(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout ?? process.stdin });
    rl.on('line', (l) => {
      if (match(l)) resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
}

async function startReplica(i: number): Promise<ChildProcess> {
  const c = tsx([
    join(ROOT, 'control/cli/main.ts'), 'sim-cluster', '--cluster-id', 'c1', '--replica-id', `r${i}`, '--port', String(BASE_PORT + i),
    '--host', '127.0.0.1', '--model', 'demo-llm', '--gpu-type', 'H100', '--slots', String(STREAMS), '--queue', '0',
    '--tokens-per-second', String(TOKENS_PER_S), '--cold-start-ms', '0', '--log-level', 'info',
  ]);
  await firstLine(c, (l) => l.includes('sim-cluster listening'));
  return c;
}

function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface Tally { completed: number; continued: number; lost: number; lostReasons: Map<string, number>; notStarted: number }

const EXPECTED = answerText(TOKENS);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const body = JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: 'soak' }] });

/**
 * One stream to its end; resolves with why it was lost, or null when it arrived complete.
 * `notStarted`: the client's own connection to the proxy failed before any answer (a full
 * listen backlog while thousands connect): no stream existed to lose; it is retried.
 */
function oneStream(url: string): Promise<{ lost: string | null; continued: boolean; notStarted?: boolean }> {
  return new Promise((resolve) => {
    let answered = false;
    const req = request(`${url}/v4/acme/chat/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      answered = true;
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (raw += s));
      res.on('error', () => undefined);
      res.on('close', () => {
        const continued = raw.includes(': switchyard: the replica died');
        if (res.statusCode !== 200) return resolve({ lost: `status ${res.statusCode}`, continued });
        if (raw.includes('event: error')) return resolve({ lost: 'error event', continued });
        if (!res.complete || !raw.includes('data: [DONE]')) return resolve({ lost: 'cut', continued });
        const chunks = raw.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { id: string; choices: Array<{ delta?: { content?: string } }> });
        const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
        if (new Set(chunks.map((c) => c.id)).size !== 1) return resolve({ lost: 'several ids', continued });
        resolve({ lost: text === EXPECTED ? null : 'wrong text', continued });
      });
    });
    req.on('error', (e) => resolve({ lost: `request ${e.message}`, continued: false, notStarted: !answered }));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-soak-'));
  const replicas: Array<ChildProcess | null> = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startReplica(i));
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(endpointsFile, JSON.stringify({
    endpoints: replicas.map((_, i) => ({ cluster: 'c1', app: 'acme/chat', url: `http://127.0.0.1:${BASE_PORT + i}` })),
    apps: [{ id: 'acme/chat', requests: { streams: { continuation: true } } }],
  }));
  const proxy = tsx([join(ROOT, 'proxy/src/server.ts')], {
    PROXY_ID: 'soak', PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_LOG_LEVEL: 'error',
    PROXY_HEALTH_CHECK_INTERVAL_MS: '1000',
  });
  const ready = JSON.parse(await firstLine(proxy, (l) => l.includes('proxy ready'))) as { url: string };
  const tally: Tally = { completed: 0, continued: 0, lost: 0, lostReasons: new Map(), notStarted: 0 };
  const rss: Array<{ atS: number; mb: number; held: number }> = [];
  const started = Date.now();
  const endAt = started + SECONDS * 1000;
  let held = 0;
  const holder = async (): Promise<void> => {
    while (Date.now() < endAt) {
      held += 1;
      const r = await oneStream(ready.url);
      held -= 1;
      if (r.notStarted === true) {
        tally.notStarted += 1;
        await new Promise((done) => setTimeout(done, 200));
        continue;
      }
      if (r.continued) tally.continued += 1;
      if (r.lost === null) tally.completed += 1;
      else {
        tally.lost += 1;
        tally.lostReasons.set(r.lost, (tally.lostReasons.get(r.lost) ?? 0) + 1);
      }
    }
  };
  // Ramp up over ~10 s so the listen backlog is not overrun.
  const holders: Array<Promise<void>> = [];
  for (let i = 0; i < STREAMS; i++) {
    holders.push(holder());
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 1000));
  }
  let kills = 0;
  const killer = setInterval(() => {
    const i = kills % REPLICAS;
    kills += 1;
    replicas[i]?.kill('SIGKILL');
    replicas[i] = null;
    setTimeout(() => void startReplica(i).then((c) => (replicas[i] = c)), RESTART_AFTER_MS);
  }, KILL_EVERY_S * 1000);
  const sampler = setInterval(() => {
    const s = { atS: Math.round((Date.now() - started) / 1000), mb: Math.round(rssMb(proxy.pid)), held };
    rss.push(s);
    process.stdout.write(`${JSON.stringify({ ...s, completed: tally.completed, continued: tally.continued, lost: tally.lost })}\n`);
  }, 10_000);
  await Promise.all(holders);
  clearInterval(killer);
  clearInterval(sampler);
  const result = {
    streams: STREAMS, seconds: SECONDS, killEveryS: KILL_EVERY_S, kills, replicas: REPLICAS, tokensPerStream: TOKENS, tokensPerS: TOKENS_PER_S,
    completed: tally.completed, continued: tally.continued, lost: tally.lost, lostReasons: Object.fromEntries(tally.lostReasons),
    connectsRetried: tally.notStarted,
    proxyRssMb: rss.map((r) => `${r.atS}s:${r.mb}`).join(' '),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  proxy.kill('SIGTERM');
  for (const r of replicas) r?.kill('SIGTERM');
  process.exitCode = tally.lost === 0 ? 0 : 1;
}

await main();
