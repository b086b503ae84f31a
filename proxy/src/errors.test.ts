import { describe, expect, it } from 'vitest';
import { replicaCap } from './choose-endpoint.ts';
import { ClientBodyError, ProxyError, classifyUpstreamError, errorForFault, failedAttemptPlace, faultForStatus, namesUpstream, type AttemptFault } from './errors.ts';
import { ttfbLimitMs } from './http-exchange.ts';

const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('classifyUpstreamError: the one boundary for foreign errors', () => {
  it.each([
    [
      'undici refuses Expect',
      coded('UND_ERR_NOT_SUPPORTED'),
      'client-unsupported',
      'client',
      true,
      400,
    ],
    [
      'undici invalid argument',
      coded('UND_ERR_INVALID_ARG'),
      'client-invalid',
      'client',
      true,
      400,
    ],
    ['invalid header char', coded('ERR_INVALID_CHAR'), 'client-invalid', 'client', true, 400],
    // Node's argument checks are our own programming errors: the proxy's fault, logged as such.
    ['our bug: invalid arg type', coded('ERR_INVALID_ARG_TYPE'), 'upstream-error', 'proxy', false, 502],
    ['our bug: invalid arg value', coded('ERR_INVALID_ARG_VALUE'), 'upstream-error', 'proxy', false, 502],
    [
      'ws duplicate subprotocol',
      new SyntaxError('An invalid or duplicated subprotocol was specified'),
      'client-invalid',
      'client',
      true,
      400,
    ],
    [
      'client body ended early',
      new ClientBodyError(coded('ECONNRESET', 'aborted')),
      'client-body-aborted',
      'client',
      false,
      400,
    ],
    [
      'client sent less than content-length',
      coded('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'),
      'client-body-aborted',
      'client',
      false,
      400,
    ],
    ['connection refused', coded('ECONNREFUSED'), 'upstream-unreachable', 'replica', true, 503],
    ['connect timeout', coded('UND_ERR_CONNECT_TIMEOUT'), 'upstream-timeout', 'replica', true, 504],
    // This process's own open-file limit: the connect never left the machine.
    ['no file descriptor for the socket', coded('EMFILE'), 'proxy-out-of-files', 'local', true, 503],
    ['the system out of files', coded('ENFILE'), 'proxy-out-of-files', 'local', true, 503],
    ['EMFILE as undici nests it', Object.assign(new Error('fetch failed'), { cause: coded('EMFILE') }), 'proxy-out-of-files', 'local', true, 503],
    ['reset after send', coded('ECONNRESET'), 'upstream-reset', 'replica', false, 502],
    ['socket closed', coded('UND_ERR_SOCKET'), 'upstream-reset', 'replica', false, 502],
    [
      'nested cause',
      Object.assign(new Error('fetch failed'), { cause: coded('ECONNRESET') }),
      'upstream-reset',
      'replica',
      false,
      502,
    ],
    ['TTFB budget', coded('UND_ERR_HEADERS_TIMEOUT'), 'upstream-timeout', 'replica', false, 504],
    [
      'ws handshake timeout',
      new Error('Opening handshake has timed out'),
      'upstream-timeout',
      'replica',
      false,
      504,
    ],
    ['malformed response', coded('HPE_INVALID_CONSTANT'), 'upstream-error', 'replica', false, 502],
    // TLS with the replica: its certificate or its port, the replica's (or its operator's) to fix.
    ['self-signed certificate', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'upstream-tls', 'replica', true, 502],
    ['expired certificate', coded('CERT_HAS_EXPIRED'), 'upstream-tls', 'replica', true, 502],
    ['another name on the certificate', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'upstream-tls', 'replica', true, 502],
    ['unknown CA', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'upstream-tls', 'replica', true, 502],
    ['plain HTTP behind https://', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'upstream-tls', 'replica', true, 502],
    ['handshake refused', coded('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'upstream-tls', 'replica', true, 502],
    // Not provably during the handshake: the request may have been written.
    ['TLS record failure', coded('ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC'), 'upstream-tls', 'replica', false, 502],
    ['our own abort', coded('UND_ERR_ABORTED'), 'aborted', 'proxy', false, 502],
    ['unknown', new Error('something else'), 'upstream-error', 'proxy', false, 502],
  ])('%s', (_name, err, code, blame, beforeSend, status) => {
    expect(classifyUpstreamError(err)).toMatchObject({ code, blame, beforeSend, status });
  });

  // Outcome rows: a replica's answer keeps its status, no answer is 0 at the replica, else no cluster.
  it.each([
    ['a replica 5xx answer', faultForStatus(503), { clusterId: 'c1', endpoint: 'http://r', status: 503 }],
    ['a refused connect', classifyUpstreamError(coded('ECONNREFUSED')), { clusterId: 'c1', endpoint: 'http://r', status: 0 }],
    ['a TLS failure', classifyUpstreamError(coded('CERT_HAS_EXPIRED')), { clusterId: 'c1', endpoint: 'http://r', status: 0 }],
    ["the client's fault", classifyUpstreamError(coded('ERR_INVALID_CHAR')), { clusterId: null, endpoint: null, status: 400 }],
    ['an unknown error', classifyUpstreamError(new Error('something else')), { clusterId: null, endpoint: null, status: 502 }],
    ['out of open files', classifyUpstreamError(coded('EMFILE')), { clusterId: null, endpoint: null, status: 503 }],
  ])('records %s as %j', (_name, fault, place) => {
    expect(failedAttemptPlace(fault as AttemptFault, 'c1', 'http://r')).toEqual(place);
  });

  // A failed outcome that names a cluster is a replica error in the edge's snapshot.
  it.each([
    ['a replica fault', coded('ECONNRESET'), true],
    ['a TLS failure at the replica', coded('CERT_HAS_EXPIRED'), true],
    ['an unknown error (possibly ours)', new Error('something else'), false],
    ['our own abort', coded('UND_ERR_ABORTED'), false],
    ["the client's fault", coded('ERR_INVALID_CHAR'), false],
    ['out of open files', coded('EMFILE'), false],
  ])('%s names the cluster: %s', (_name, err, named) => {
    expect(namesUpstream(classifyUpstreamError(err))).toBe(named);
  });

  it('answers a local fault (out of files) as the proxy\'s own, naming no cluster', () => {
    const err = errorForFault(classifyUpstreamError(coded('EMFILE')), 'c1', 'not retried');
    expect(err).toMatchObject({ code: 'proxy-out-of-files', status: 503, retryAfterS: 1 });
    expect(err.refusedHeader()).toBe('not-started');
    expect(err.message).not.toContain('c1');
  });

  it('classifies anything after our own abort as ours', () => {
    expect(classifyUpstreamError(coded('ECONNRESET'), { aborted: true })).toMatchObject({
      blame: 'proxy',
    });
  });
});

describe('faultForStatus: which replica answers are its failures', () => {
  it.each([
    [200, null],
    [400, null],
    [404, null],
    [429, null],
    [500, 'replica'],
    [501, null],
    [502, 'replica'],
    [503, 'replica'],
    [504, 'replica'],
    [505, null],
    [507, 'replica'],
  ])('%i', (status, blame) => {
    expect(faultForStatus(status)?.blame ?? null).toBe(blame);
  });
});

describe('x-switchyard-refused', () => {
  it.each([
    [new ProxyError('circuit-open', 503, 'm', true, 1), 'not-started'],
    [new ProxyError('draining', 503, 'm', true, 5), 'not-started'],
    [new ProxyError('concurrency-limited', 429, 'm', false, 1), 'not-started'],
    [new ProxyError('replica-share-exceeded', 429, 'm', true, 1), 'not-started'],
    [new ProxyError('all-clusters-failed', 503, 'm', true, 1, true), 'not-started'],
    [new ProxyError('all-clusters-failed', 502, 'm', true, 1, false), '1'],
    [new ProxyError('upstream-reset', 502, 'm', true, 1), '1'],
    [new ProxyError('client-invalid', 400, 'm'), null],
  ])('%s', (err, header) => {
    expect(err.refusedHeader()).toBe(header);
  });
});

describe('limits derived from the app rules', () => {
  it.each([
    [4, 100, 2, 4],
    [null, null, 3, null],
    [null, 256, 1, null],
    [null, 256, 2, 128],
    [null, 10, 3, 4],
    [null, 1, 4, 1],
  ])('replicaCap(%j, %j, %i) = %j', (perReplica, app, replicas, want) => {
    expect(replicaCap(perReplica, app, replicas)).toBe(want);
  });

  it.each([
    [60_000, 300_000, 60_000],
    [60_000, 0, 60_000],
    [600_000, 300_000, 300_000],
  ])('ttfbLimitMs(%i, %i) = %i', (budget, ceiling, want) => {
    expect(ttfbLimitMs(budget, ceiling)).toBe(want);
  });
});
