/**
 * The one reading of the tracing settings edge and proxy share: where spans go (an OTLP/HTTP
 * traces URL; unset = tracing off) and the parent-based sample ratio. Callers read their own
 * variables and report the messages returned here with the variable's name.
 */

/** Path the OTLP/HTTP spec puts traces under, appended to a base `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export const OTLP_TRACES_PATH = '/v1/traces';

/** Why `url` cannot receive OTLP/HTTP spans, or null when it can. */
export function otlpUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an http(s):// URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318/v1/traces)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must use http:// or https://, not ${u.protocol}`;
  if (u.username !== '' || u.password !== '') return 'must not carry credentials in the URL';
  return null;
}

/**
 * The traces URL from the two standard variables: the signal-specific one is used as given; the
 * base one gets `/v1/traces` appended (OTLP exporter spec). Null: tracing is off.
 */
export function tracesUrl(tracesEndpoint: string | null, baseEndpoint: string | null): string | null {
  if (tracesEndpoint !== null && tracesEndpoint !== '') return tracesEndpoint;
  if (baseEndpoint === null || baseEndpoint === '') return null;
  return `${baseEndpoint.replace(/\/+$/, '')}${OTLP_TRACES_PATH}`;
}
