export { EDGE_DEFAULTS, loadConfig } from './edge-config.ts';
export type { ConfigResult, EdgeConfig, EdgeTracingConfig } from './edge-config.ts';
export { EnvReader } from './edge-env-reader.ts';
export type { EnvProblem, EnvVars } from './edge-env-reader.ts';
export { DEFAULT_ANSWER_MODES } from './answer-modes.ts';
export type { DefaultAnswerMode } from './answer-modes.ts';
