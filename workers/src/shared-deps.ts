/**
 * The one place the Worker binds to shared/ code (decision, tokens, snapshot), so a renamed or
 * reshaped export is fixed here and nowhere else. The environment's reader (loadConfig) is there too:
 * `switchyard edge --workerd` checks it before it starts.
 */
export { noteRollout, noteRoute } from '../../shared/decision/decision-notes.ts';
export { decide, glanceAt, parsePolicy, POLICY_VARIABLES, resolveStrategy, seededRng } from '../../shared/decision/index.ts';
export { unknownRouteVariable } from '../../shared/decision/unknown-policy-variable.ts';
export { importSigningKey, importVerificationKeys, signRoutingToken, verifyRoutingToken } from '../../shared/tokens/index.ts';
export type { SigningKey } from '../../shared/tokens/index.ts';
export { loadApiKey, loadApiKeysByHash, loadAppGates, loadAppSnapshot, loadAuthClock, type AuthRead } from '../../shared/snapshot/index.ts';
export type { AppGate, KeyHashFilter, UnreadableRow } from '../../shared/snapshot/index.ts';
export type { SnapshotReader } from '../../shared/snapshot/index.ts';
export { Lru } from '../../shared/caching/lru.ts';
export { WriteBuffer } from '../../shared/batching/write-buffer.ts';
export type { WriteBufferStats } from '../../shared/batching/write-buffer.ts';
export { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';
export { compileRoutes, matchRoute } from '../../shared/routes/match-route.ts';
export type { CompiledRoutes, RouteInput } from '../../shared/routes/match-route.ts';
export type { AppRoutes, Route, RouteNote } from '../../shared/routes/types.ts';
export { CANARY_VARIABLES, canaryNote, inCanary, parseCanary } from '../../shared/canary/canary.ts';
export type { CanaryConfig, CanaryNote } from '../../shared/canary/canary.ts';
export { boolean, integer, oneOf } from '../../shared/env/field-parsers.ts';
export type { FieldParser } from '../../shared/env/types.ts';
export { DEFAULT_ANSWER_MODES, EDGE_DEFAULTS, loadConfig } from '../../shared/edge-config/index.ts';
export type { ConfigResult, DefaultAnswerMode, EdgeConfig, EdgeTracingConfig, EnvProblem, EnvVars } from '../../shared/edge-config/index.ts';
export { sha256Hex } from '../../shared/hashing/sha256-hex.ts';
