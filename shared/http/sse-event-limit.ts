/**
 * The longest SSE event the proxy holds whole to read it (managed streams' continuation,
 * proxy/src/continuation-sse.ts; token budgets' usage filter, shared/limits/sse-usage.ts). An
 * engine's OpenAI chunk is a few hundred bytes; an event past this is no such chunk, and is
 * passed on as it comes instead of being held: the stream's bytes come from a replica of one
 * app, and holding (or rescanning) them without bound was memory and event-loop time every
 * tenant of the process shares.
 */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;
