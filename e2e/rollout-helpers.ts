/** Helpers for the rollout e2e files: the real CLI, chat requests through the edge, waiting for rows. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from '@libsql/client';
import { switchyardCommand } from '../control/cli/switchyard-command.ts';
import { parseRolloutRow } from '../shared/rollout/parse-rollout-rows.ts';
import type { Rollout } from '../shared/rollout/types.ts';
import { devLocation, sleep } from './stack.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** `switchyard <args>` as a child process, as an operator would run it. */
export async function switchyardCli(args: readonly string[], env: Record<string, string>): Promise<string> {
  const cli = switchyardCommand(args);
  const { stdout } = await run(cli.command, cli.args, { env: { ...process.env, ...env }, cwd: ROOT });
  return stdout;
}

export interface ChatResult {
  readonly status: number;
  readonly version: string | null;
  readonly cluster: string | null;
  readonly decision: string | null;
  readonly at: number;
  /** The start of the body when the status is not 200: a failing assertion then says why. */
  readonly error: string | null;
}

/** One small non-streaming chat completion through the edge (body read to the end). */
export async function chat(edgeUrl: string, apiKey: string, client: Parameters<typeof devLocation>[0], jobKey: string): Promise<ChatResult> {
  const res = await fetch(`${edgeUrl}/v4/acme/chat/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-job-id': jobKey, ...devLocation(client) },
    body: JSON.stringify({ model: 'demo-llm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  return {
    status: res.status,
    version: res.headers.get('x-switchyard-model-version'),
    cluster: res.headers.get('x-sim-cluster'),
    decision: res.headers.get('x-switchyard-decision-id'),
    at: Date.now(),
    error: res.status === 200 ? null : text.slice(0, 300),
  };
}

export async function readRolloutRow(db: Client, appId: string): Promise<Rollout | null> {
  const rs = await db.execute({ sql: 'SELECT * FROM rollouts WHERE app_id = ?', args: [appId] });
  return parseRolloutRow(rs.rows[0] as Record<string, unknown> | undefined);
}

/** Poll until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
