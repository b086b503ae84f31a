/**
 * Lets the proxy's own async-job runner through the front gate: a request carrying this
 * process's runner credential for a running job is admitted with the claims decided when the
 * job was submitted; a wrong credential is refused. Everything else goes to the inner gate.
 */
import type { AsyncJobs } from './async-jobs.ts';
import { ProxyError } from './errors.ts';
import type { TokenGate } from './token-gate.ts';

export function asyncJobGate(inner: TokenGate, jobs: () => AsyncJobs | null): TokenGate {
  return {
    check(headers, target, now, method, remote, connection) {
      const claims = jobs()?.runnerClaims(headers) ?? null;
      if (claims === null) return inner.check(headers, target, now, method, remote, connection);
      if (claims === 'bad-credential' || claims.app !== target.appId) {
        return { ok: false, error: new ProxyError('job-runner-invalid', 401, 'not this proxy\'s job runner credential') };
      }
      return { ok: true, claims };
    },
  };
}
