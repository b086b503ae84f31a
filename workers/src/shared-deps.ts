/**
 * The one place the Worker binds to shared/ code (decision, tokens, snapshot), so a renamed or
 * reshaped export is fixed here and nowhere else.
 */
export { decide } from '../../shared/decision/decide.ts';
export { parsePolicy } from '../../shared/decision/policy.ts';
export { seededRng } from '../../shared/decision/rng.ts';
export { importSigningKey, signRoutingToken } from '../../shared/tokens/sign.ts';
export type { SigningKey } from '../../shared/tokens/sign.ts';
export { loadApiKey, loadAppSnapshot } from '../../shared/snapshot/index.ts';
export type { SnapshotReader } from '../../shared/snapshot/index.ts';
