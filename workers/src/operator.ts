/**
 * Operator-only answers (issue 11 #5): the explanation of a decision lists every candidate's
 * provider, region, price, health and the seed — fleet internals a normal client must not see.
 * `explain` and synthetic requests therefore need `x-switchyard-operator-key` equal to the Worker
 * secret `EDGE_OPERATOR_KEY`; without that secret they are disabled.
 */
import { OPERATOR_KEY_HEADER } from '../../shared/http/operator-key-refusal.ts';
import { refuse } from './errors.ts';
import type { EdgeError } from './errors.ts';

export { OPERATOR_KEY_HEADER };

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
}

/** Compares digests, so the time taken does not reveal how much of the key matched. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Null when the request carries the operator key; otherwise the refusal (401 for a missing or wrong key). */
export async function checkOperator(headers: Headers, operatorKey: string | undefined): Promise<EdgeError | null> {
  if (operatorKey === undefined) return refuse.explainDisabled();
  const given = headers.get(OPERATOR_KEY_HEADER);
  if (given === null || given === '') return refuse.operatorKeyMissing();
  return (await sameSecret(given, operatorKey)) ? null : refuse.operatorKeyWrong();
}
