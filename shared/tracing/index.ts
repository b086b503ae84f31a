export { chooseParent, formatTraceparent, parseTraceparent, validId } from './traceparent.ts';
export type { TraceContext } from './traceparent.ts';
export { rootSampled, shouldSample, untrustedParentSampled, validRatio } from './sampling.ts';
export { MAX_ATTRIBUTE_CHARS, PROJECT_ATTRIBUTE, contentKey, redactUrl, safeAttributes, secretKey, secretValue } from './attributes.ts';
export type { AttributeRules, AttributeValue, Attributes } from './attributes.ts';
export { genAiOperation, genAiRequestFacts, genAiUsageFromTail, timePerOutputTokenSeconds } from './genai.ts';
export type { GenAiOperation, GenAiRequestFacts, GenAiUsage } from './genai.ts';
export { OTLP_TRACES_PATH, otlpUrlProblem, tracesUrl } from './trace-settings.ts';
