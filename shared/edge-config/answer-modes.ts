/** The answers a deployment may make its default (EDGE_ANSWER_MODE); a request may ask for another. */
export type DefaultAnswerMode = 'forward' | 'redirect' | 'token';
export const DEFAULT_ANSWER_MODES: readonly DefaultAnswerMode[] = ['forward', 'redirect', 'token'];
