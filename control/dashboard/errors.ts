import { CodedError } from '../../shared/errors/coded-error.ts';
import { OPERATOR_KEY_REFUSAL_STATUS } from '../../shared/http/operator-key-refusal.ts';

/** Every refusal the dashboard answers with: a stable code, an HTTP status and a message to act on. */
export type DashboardErrorCode =
  | 'operator-key-missing'
  | 'operator-key-wrong'
  | 'not-found'
  | 'method-not-allowed'
  | 'bad-request'
  | 'cross-site'
  | 'body-too-large'
  | 'database';

export class DashboardError extends CodedError<DashboardErrorCode> {
  override readonly name = 'DashboardError';
}

export const refuse = {
  keyMissing: () => new DashboardError('operator-key-missing', OPERATOR_KEY_REFUSAL_STATUS, 'The dashboard is for operators: send x-switchyard-operator-key (or Authorization: Bearer) or sign in at /login.'),
  keyWrong: () => new DashboardError('operator-key-wrong', OPERATOR_KEY_REFUSAL_STATUS, 'The operator key is wrong; `switchyard dev` prints the current one (it changes each start).'),
  notFound: (what: string) => new DashboardError('not-found', 404, `${what} not found.`),
  noSpans: (traceId: string) => new DashboardError('not-found', 404, `Trace ${traceId} has no stored spans.`),
  method: (allowed: string) => new DashboardError('method-not-allowed', 405, `Use ${allowed}.`),
  badRequest: (message: string) => new DashboardError('bad-request', 400, message),
  crossSite: () => new DashboardError('cross-site', 403, 'Cross-site form posts are refused; sign in from the dashboard itself.'),
  bodyTooLarge: () => new DashboardError('body-too-large', 413, 'The sign-in form body is limited to 4 KB.'),
  database: (message: string) => new DashboardError('database', 503, `The database did not answer: ${message}`),
};
