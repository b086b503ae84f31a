/** Per-request identity: a decision id and a random seed, recorded so replays are exact. */
export function newDecisionId(): string {
  return crypto.randomUUID();
}

export function newSeed(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex;
}
