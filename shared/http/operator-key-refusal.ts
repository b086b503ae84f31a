/**
 * The one rule for refusing an operator key, on the edge (`workers/src/operator.ts`) and the
 * dashboard (`control/dashboard/`) alike. A key that is missing or not the operator's is a
 * credentials problem the client fixes by sending the right key: 401 with a `WWW-Authenticate`
 * challenge (RFC 9110 §15.5.2, §11.6.1). 403 is left for what no key can change (explanations
 * disabled on this edge, a cross-site form post), so a client can tell "wrong key" from "not
 * allowed at all" the same way on both.
 */

/** The header that carries the operator key on the edge and the dashboard. */
export const OPERATOR_KEY_HEADER = 'x-switchyard-operator-key';

/** The two refusals a different key would fix. */
export type OperatorKeyRefusalCode = 'operator-key-missing' | 'operator-key-wrong';

/** Their status: the request lacks valid credentials. */
export const OPERATOR_KEY_REFUSAL_STATUS = 401;

/**
 * The challenge a 401 must carry (RFC 9110 §11.6.1). A scheme of our own that names the header:
 * on the edge `Authorization: Bearer` is an app's API key, so a Bearer challenge would mislead.
 */
export const OPERATOR_KEY_CHALLENGE = `SwitchyardOperatorKey realm="switchyard operator", header="${OPERATOR_KEY_HEADER}"`;

/** True for the refusals that answer 401 with `OPERATOR_KEY_CHALLENGE`. */
export function isOperatorKeyRefusal(code: string): code is OperatorKeyRefusalCode {
  return code === 'operator-key-missing' || code === 'operator-key-wrong';
}
