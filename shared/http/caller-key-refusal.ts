/**
 * The one rule for refusing a caller's key to an app, at the edge (`workers/src/auth.ts`) and at a
 * proxy called in-region (`proxy/src/in-region-auth.ts`): the same code, status and next step
 * whichever hop answered, so a client branches on the code alone. (The proxy answered
 * `key-unknown` with "unknown key" where the edge said `unknown-key` and how to fix it, and a
 * revoked key was 401 there, 403 here.)
 *
 * Missing or unrecognised credentials are 401 (a right key fixes them); a key that is known but
 * may not call this app — revoked, another project's, a service key of another app — is 403.
 */
export type CallerKeyRefusalCode = 'missing-key' | 'unknown-key' | 'revoked-key' | 'wrong-project' | 'wrong-app';

export interface CallerKeyRefusal<C extends CallerKeyRefusalCode = CallerKeyRefusalCode> {
  readonly code: C;
  readonly status: 401 | 403;
  readonly message: string;
}

export const callerKeyRefusal = {
  /** `accepted`: what the hop takes, e.g. "<key>" at the edge, a service key too in-region. */
  missing: (accepted = '<key>'): CallerKeyRefusal<'missing-key'> => ({
    code: 'missing-key',
    status: 401,
    message: `This app requires an API key: send "Authorization: Bearer ${accepted}".`,
  }),
  twoAuthorizations: (): CallerKeyRefusal<'missing-key'> => ({
    code: 'missing-key',
    status: 401,
    message: 'The request has more than one Authorization header: send exactly one, "Authorization: Bearer <key>".',
  }),
  /** `Authorization: Bearer` followed by anything but exactly one key (shared/http/bearer-credential.ts). */
  malformedAuthorization: (): CallerKeyRefusal<'missing-key'> => ({
    code: 'missing-key',
    status: 401,
    message: 'The Authorization header is not "Bearer <key>": send the key alone after "Bearer " (no other words, no quotes).',
  }),
  unknown: (): CallerKeyRefusal<'unknown-key'> => ({
    code: 'unknown-key',
    status: 401,
    message: 'The API key is not recognised: check it, or create one for this project.',
  }),
  revoked: (kind = 'API key'): CallerKeyRefusal<'revoked-key'> => ({ code: 'revoked-key', status: 403, message: `The ${kind} has been revoked: create a new one.` }),
  wrongProject: (appId: string): CallerKeyRefusal<'wrong-project'> => ({
    code: 'wrong-project',
    status: 403,
    message: `The API key belongs to another project and may not call ${appId}.`,
  }),
  wrongApp: (keyApp: string, appId: string): CallerKeyRefusal<'wrong-app'> => ({
    code: 'wrong-app',
    status: 403,
    message: `The service key opens ${keyApp}, not ${appId}: use a service key of ${appId}, or a project API key.`,
  }),
};
