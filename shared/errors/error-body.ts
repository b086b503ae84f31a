/**
 * The JSON body every HTTP surface of ours answers a refusal with (edge, proxy, dashboard, OTLP
 * receiver): `{"error":{"code","message"}}`, so a client reads one shape whichever it called.
 * `code` is stable and machine-readable; `message` says what to do.
 */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function errorBody(err: { readonly code: string; readonly message: string }): ErrorBody {
  return { error: { code: err.code, message: err.message } };
}
