import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, formatConfigIssues, parseProxyConfig, replicaSource } from './config.ts';

const base = { PROXY_ID: 'p1', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: '/x.json' };

describe('parseProxyConfig', () => {
  it('fills every default from a minimal env', () => {
    const r = parseProxyConfig({ env: base });
    expect(r.ok && r.config).toEqual({
      ...DEFAULT_CONFIG,
      id: 'p1',
      authDisabled: true,
      endpointsFile: '/x.json',
    });
  });

  it.each([
    ['env over file', { file: { port: 1 }, env: { ...base, PROXY_PORT: '2' } }, 'port', 2],
    ['flags over env', { env: { ...base, PROXY_PORT: '2' }, flags: { port: 3 } }, 'port', 3],
    [
      'booleans from env',
      { env: { ...base, PROXY_UPSTREAM_ALLOW_H2: '1' } },
      'upstreamAllowH2',
      true,
    ],
    ['ratios', { env: { ...base, PROXY_RETRY_BUDGET_RATIO: '0.1' } }, 'retryBudgetRatio', 0.1],
    ['a blank variable keeps the default', { env: { ...base, PROXY_PORT: ' ' } }, 'port', DEFAULT_CONFIG.port],
    ['shared/env booleans', { env: { ...base, PROXY_UPSTREAM_ALLOW_H2: 'on' } }, 'upstreamAllowH2', true],
    ['YAML booleans', { env: base, file: { upstreamAllowH2: true } }, 'upstreamAllowH2', true],
    ['token issuer defaults to the edge default', { env: base }, 'tokenIssuer', 'switchyard-edge'],
    ['token issuer from env', { env: { ...base, PROXY_TOKEN_ISSUER: 'staging-edge' } }, 'tokenIssuer', 'staging-edge'],
    ['one worker process by default', { env: base }, 'workers', 1],
    ['worker processes from env', { env: { ...base, PROXY_WORKERS: '4' } }, 'workers', 4],
    ['one worker per core', { env: { ...base, PROXY_WORKERS: 'auto' } }, 'workers', 'auto'],
    // `switchyard proxy` puts its default (auto) under the file layer (server.ts `defaults`).
    ['the CLI default auto', { env: base, file: { workers: 'auto' } }, 'workers', 'auto'],
    ['env beats the CLI default', { env: { ...base, PROXY_WORKERS: '2' }, file: { workers: 'auto' } }, 'workers', 2],
    ['a flag beats the CLI default', { env: base, file: { workers: 'auto' }, flags: { workers: '1' } }, 'workers', 1],
    ['a listen backlog past the Node default (511) unless set', { env: base }, 'listenBacklog', 65_535],
    ['listen backlog from env', { env: { ...base, PROXY_LISTEN_BACKLOG: '4096' } }, 'listenBacklog', 4096],
    ['an in-flight budget from the open-file limit unless set', { env: base }, 'maxInFlight', 'auto'],
    ['in-flight budget from env', { env: { ...base, PROXY_MAX_IN_FLIGHT: '40' } }, 'maxInFlight', 40],
    ['a connection ceiling from the open-file limit unless set', { env: base }, 'maxConnections', 'auto'],
    ['connection ceiling from env', { env: { ...base, PROXY_MAX_CONNECTIONS: '5000' } }, 'maxConnections', 5000],
    ['a per-address connection cap from the ceiling unless set', { env: base }, 'maxConnectionsPerAddress', 'auto'],
    ['per-address connection cap from env', { env: { ...base, PROXY_MAX_CONNECTIONS_PER_ADDRESS: '100' } }, 'maxConnectionsPerAddress', 100],
    ['per-address connection cap off', { env: { ...base, PROXY_MAX_CONNECTIONS_PER_ADDRESS: 'off' } }, 'maxConnectionsPerAddress', 'off'],
    ['replica slots learnt from 429s unless set', { env: base }, 'replicaSlots', 'learn'],
    ['replica slots from env', { env: { ...base, PROXY_REPLICA_SLOTS: '16' } }, 'replicaSlots', 16],
    ['replica shares off', { env: { ...base, PROXY_REPLICA_SLOTS: 'off' } }, 'replicaSlots', 'off'],
    ['4 job-route store reads at once unless set', { env: base }, 'jobRouteReads', 4],
    ['job-route store reads from env', { env: { ...base, PROXY_JOB_ROUTE_READS: '10' } }, 'jobRouteReads', 10],
    // One database env rule for every Node part (shared/env/db-env.ts): LIBSQL_*, or the older SWITCHYARD_DB_* aliases.
    ['the database from LIBSQL_URL', { env: { ...base, LIBSQL_URL: 'file:a.db' } }, 'storeUrl', 'file:a.db'],
    ['the database from the alias SWITCHYARD_DB_URL', { env: { ...base, SWITCHYARD_DB_URL: 'file:a.db' } }, 'storeUrl', 'file:a.db'],
    ['its token from LIBSQL_AUTH_TOKEN', { env: { ...base, LIBSQL_AUTH_TOKEN: 't' } }, 'storeAuthToken', 't'],
    ['its token from the alias SWITCHYARD_DB_AUTH_TOKEN', { env: { ...base, SWITCHYARD_DB_AUTH_TOKEN: 't' } }, 'storeAuthToken', 't'],
    ['--db over either name', { env: { ...base, LIBSQL_URL: 'file:a.db' }, flags: { storeUrl: 'file:b.db' } }, 'storeUrl', 'file:b.db'],
  ])('%s', (_n, sources, field, value) => {
    const r = parseProxyConfig(sources);
    expect(r.ok && r.config[field as keyof typeof DEFAULT_CONFIG]).toBe(value);
  });

  it('refuses LIBSQL_URL and SWITCHYARD_DB_URL set to different databases, naming both', () => {
    const r = parseProxyConfig({ env: { ...base, LIBSQL_URL: 'file:a.db', SWITCHYARD_DB_URL: 'file:b.db' } });
    expect(r.ok ? [] : r.issues.map((i) => i.message)).toEqual([
      'LIBSQL_URL and SWITCHYARD_DB_URL are both set, to different values: set only LIBSQL_URL (SWITCHYARD_DB_URL is its older alias)',
    ]);
  });

  it('reports every invalid field at once', () => {
    const r = parseProxyConfig({
      env: {
        PROXY_PORT: 'abc',
        PROXY_RETRY_BUDGET_RATIO: '2',
        PROXY_DEFAULT_STRATEGY: 'fastest',
        PROXY_TLS_CERT_FILE: '/c.pem',
      },
      flags: { bogus: 1 },
    });
    expect(r.ok).toBe(false);
    const fields = r.ok ? [] : r.issues.map((i) => i.field).sort();
    expect(fields).toEqual(
      [
        'bogus',
        'defaultStrategy',
        'id',
        'jwks',
        'port',
        'retryBudgetRatio',
        'storeUrl',
        'tlsCertFile',
      ].sort(),
    );
  });

  it.each([
    ['a zero sniff timeout', { PROXY_SNIFF_TIMEOUT_MS: '0' }, 'sniffTimeoutMs'],
    ['a zero header timeout', { PROXY_HEADERS_TIMEOUT_MS: '0' }, 'headersTimeoutMs'],
    ['a request timeout below the header timeout', { PROXY_REQUEST_TIMEOUT_MS: '500' }, 'requestTimeoutMs'],
    ['an admin port out of range', { PROXY_ADMIN_PORT: '70000' }, 'adminPort'],
    ['zero workers', { PROXY_WORKERS: '0' }, 'workers'],
    ['a fractional worker count', { PROXY_WORKERS: '1.5' }, 'workers'],
    ['a worker count that is not a number', { PROXY_WORKERS: 'all' }, 'workers'],
    ['a zero listen backlog', { PROXY_LISTEN_BACKLOG: '0' }, 'listenBacklog'],
    ['a listen backlog past a C int', { PROXY_LISTEN_BACKLOG: '2147483648' }, 'listenBacklog'],
    ['a listen backlog that is not a number', { PROXY_LISTEN_BACKLOG: 'max' }, 'listenBacklog'],
    ['a zero in-flight budget', { PROXY_MAX_IN_FLIGHT: '0' }, 'maxInFlight'],
    ['a negative in-flight budget', { PROXY_MAX_IN_FLIGHT: '-5' }, 'maxInFlight'],
    ['an in-flight budget that is not a number', { PROXY_MAX_IN_FLIGHT: 'lots' }, 'maxInFlight'],
    ['a zero connection ceiling', { PROXY_MAX_CONNECTIONS: '0' }, 'maxConnections'],
    ['a connection ceiling that is not a number', { PROXY_MAX_CONNECTIONS: '10k' }, 'maxConnections'],
    ['a connection ceiling of off (there is always one)', { PROXY_MAX_CONNECTIONS: 'off' }, 'maxConnections'],
    ['a zero per-address connection cap', { PROXY_MAX_CONNECTIONS_PER_ADDRESS: '0' }, 'maxConnectionsPerAddress'],
    ['a negative per-address connection cap', { PROXY_MAX_CONNECTIONS_PER_ADDRESS: '-1' }, 'maxConnectionsPerAddress'],
    ['a fractional per-address connection cap', { PROXY_MAX_CONNECTIONS_PER_ADDRESS: '2.5' }, 'maxConnectionsPerAddress'],
    ['zero replica slots', { PROXY_REPLICA_SLOTS: '0' }, 'replicaSlots'],
    ['replica slots that are not a number', { PROXY_REPLICA_SLOTS: 'many' }, 'replicaSlots'],
    ['a per-app results budget smaller than one result', { PROXY_JOB_RESULT_BYTES_PER_APP: '1000', PROXY_JOB_MAX_RESULT_BYTES: '2000' }, 'jobResultBytesPerApp'],
    ['a total results budget smaller than one result', { PROXY_JOB_RESULT_BYTES_TOTAL: '1000', PROXY_JOB_MAX_RESULT_BYTES: '2000' }, 'jobResultBytesTotal'],
    ['a total results budget that is not a number', { PROXY_JOB_RESULT_BYTES_TOTAL: '4GiB' }, 'jobResultBytesTotal'],
    ['a zero webhook line per app', { PROXY_WEBHOOK_QUEUE_PER_APP: '0' }, 'webhookQueuePerApp'],
    ['a negative webhook line per project', { PROXY_WEBHOOK_QUEUE_PER_PROJECT: '-1' }, 'webhookQueuePerProject'],
    ['a webhook line per project that is not a number', { PROXY_WEBHOOK_QUEUE_PER_PROJECT: 'lots' }, 'webhookQueuePerProject'],
    // Was taken as is and written to the proxies table as this proxy's address.
    ['a public URL that is not a URL', { PROXY_PUBLIC_URL: 'proxy.example.com' }, 'publicUrl'],
    ['a public URL that is not http(s)', { PROXY_PUBLIC_URL: 'ftp://proxy.example.com' }, 'publicUrl'],
    ['no job-route store reads', { PROXY_JOB_ROUTE_READS: '0' }, 'jobRouteReads'],
    ['a trusted proxy that is not an address', { PROXY_TRUSTED_PROXIES: '10.0.0.0/8,lb.internal' }, 'trustedProxies'],
    ['a trusted range with a bad prefix', { PROXY_TRUSTED_PROXIES: '10.0.0.0/40' }, 'trustedProxies'],
    ['a token failure budget without a window', { PROXY_TOKEN_FAILURE_BUDGET: '20' }, 'tokenFailureBudget'],
    ['a token failure budget of zero failures', { PROXY_TOKEN_FAILURE_BUDGET: '0/10s' }, 'tokenFailureBudget'],
    ['job-route store reads past half the store client', { PROXY_JOB_ROUTE_READS: '11' }, 'jobRouteReads'],
    // Accepted, then the first h2c request killed the process (ERR_HTTP2_INVALID_SETTING_VALUE).
    ['HTTP/2 streams past a 32-bit SETTINGS value', { PROXY_HTTP2_MAX_CONCURRENT_STREAMS: '4294967296' }, 'http2MaxConcurrentStreams'],
    ['header bytes past a 32-bit SETTINGS value', { PROXY_MAX_HEADER_BYTES: '99999999999' }, 'maxHeaderBytes'],
    // Node fires a timer past 2^31 − 1 ms after 1 ms, or refuses it naming its own option.
    ['a sniff timeout past what a timer holds', { PROXY_SNIFF_TIMEOUT_MS: '4294967296' }, 'sniffTimeoutMs'],
    ['a drain deadline past what a timer holds', { PROXY_DRAIN_DEADLINE_MS: '2147483648' }, 'drainDeadlineMs'],
    // Accepted: a timer every millisecond (a core spent), a report that failed every scrape.
    ['a zero refresh interval', { PROXY_REFRESH_INTERVAL_MS: '0' }, 'refreshIntervalMs'],
    ['a zero health-check interval', { PROXY_HEALTH_CHECK_INTERVAL_MS: '0' }, 'healthCheckIntervalMs'],
    ['a zero report interval', { PROXY_REPORT_INTERVAL_MS: '0' }, 'reportIntervalMs'],
    ['a zero outcome batch', { PROXY_OUTCOME_BATCH_SIZE: '0' }, 'outcomeBatchSize'],
    ['a zero circuit threshold', { PROXY_CIRCUIT_FAILURE_THRESHOLD: '0' }, 'circuitFailureThreshold'],
    ['a zero outlier threshold', { PROXY_OUTLIER_CONSECUTIVE_FAILURES: '0' }, 'outlierConsecutiveFailures'],
    ['zero job attempts', { PROXY_JOB_MAX_ATTEMPTS: '0' }, 'jobMaxAttempts'],
    // Accepted, and every probe failed in the HTTP client: health checking silently did nothing.
    ['a health-check path without its /', { PROXY_HEALTH_CHECK_PATH: 'health' }, 'healthCheckPath'],
  ])('refuses %s', (_n, env, field) => {
    const r = parseProxyConfig({ env: { ...base, ...env } });
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toContain(field);
  });

  it.each([
    ['a port that is not a number', { PROXY_PORT: 'abc' }, '  port (env PROXY_PORT): must be an integer between 0 and 65535, got "abc"'],
    ['an admin port past 65535', { PROXY_ADMIN_PORT: '70000' }, '  adminPort (env PROXY_ADMIN_PORT): must be an integer between 0 and 65535, got "70000"'],
    ['a negative timeout', { PROXY_IDLE_TIMEOUT_MS: '-1' }, '  idleTimeoutMs (env PROXY_IDLE_TIMEOUT_MS): must be a whole number ≥ 0, got "-1"'],
  ])('says what is wrong with %s in words, not 0..MAX_SAFE_INTEGER', (_n, env, message) => {
    const r = parseProxyConfig({ env: { ...base, ...env } });
    expect(r.ok ? '' : formatConfigIssues(r.issues)).toBe(message);
  });

  // It said `id (env PROXY_ID)` whichever way the empty id came, e.g. `--id ""`.
  it.each([
    ['an empty --id', { flags: { id: '' } }, '  id (flags): is empty: give this proxy a name (the token audience)'],
    ['an empty PROXY_ID', { env: { PROXY_ID: '' } }, '  id (env PROXY_ID): is empty: give this proxy a name (the token audience)'],
    ['an empty id in the file', { file: { id: '' } }, '  id (file): is empty: give this proxy a name (the token audience)'],
    ['no id at all', {}, '  id: is required (the token audience): set PROXY_ID, --id or id in the config file'],
  ])('names where the id is missing: %s', (_n, given, message) => {
    const r = parseProxyConfig({ ...given, env: { PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: '/x.json', ...('env' in given ? given.env : {}) } });
    expect(r.ok ? '' : formatConfigIssues(r.issues)).toBe(message);
  });

  it.each([
    [undefined, { failures: 20, windowMs: 10_000 }],
    ['5/60s', { failures: 5, windowMs: 60_000 }],
    ['off', null],
  ])('reads PROXY_TOKEN_FAILURE_BUDGET=%s', (raw, budget) => {
    const r = parseProxyConfig({ env: { ...base, ...(raw === undefined ? {} : { PROXY_TOKEN_FAILURE_BUDGET: raw }) } });
    expect(r.ok ? r.config.tokenFailureBudget : r.issues).toEqual(budget);
  });

  it('says what a token failure budget must be', () => {
    const r = parseProxyConfig({ env: { ...base, PROXY_TOKEN_FAILURE_BUDGET: '20 per 10s' } });
    expect(r.ok ? '' : formatConfigIssues(r.issues)).toBe(
      '  tokenFailureBudget (env PROXY_TOKEN_FAILURE_BUDGET): must be off, or <failures>/<seconds>s with whole numbers ≥ 1 (e.g. 20/10s: 20 failed token checks per client per 10 s), got "20 per 10s"',
    );
  });

  it('says what an in-flight budget must be', () => {
    const r = parseProxyConfig({ env: { ...base, PROXY_MAX_IN_FLIGHT: '1.5' } });
    expect(r.ok ? '' : formatConfigIssues(r.issues)).toBe(
      '  maxInFlight (env PROXY_MAX_IN_FLIGHT): must be a whole number of requests ≥ 1 (per proxy process) or auto (from the open-file limit), got "1.5"',
    );
  });

  it('says what the connection limits must be, naming the variables', () => {
    const r = parseProxyConfig({ env: { ...base, PROXY_MAX_CONNECTIONS: 'none', PROXY_MAX_CONNECTIONS_PER_ADDRESS: '0' } });
    expect(r.ok ? '' : formatConfigIssues(r.issues)).toBe(
      [
        '  maxConnections (env PROXY_MAX_CONNECTIONS): must be a whole number of connections ≥ 1 (per proxy process) or auto (from the open-file limit), got "none"',
        '  maxConnectionsPerAddress (env PROXY_MAX_CONNECTIONS_PER_ADDRESS): must be a whole number of connections ≥ 1 per client address, auto (a quarter of maxConnections, at least 64) or off, got "0"',
      ].join('\n'),
    );
  });

  it('refuses to run without keys unless auth is disabled explicitly', () => {
    const r = parseProxyConfig({ env: { PROXY_ID: 'p1', PROXY_ENDPOINTS_FILE: '/x' } });
    expect(r.ok ? [] : r.issues.map((i) => i.message).join()).toContain('PROXY_AUTH_DISABLED');
  });
});

describe('where the replicas come from (the ready line names it)', () => {
  it.each([
    ['file only', { PROXY_ENDPOINTS_FILE: '/e.json' }, 'endpoints file /e.json'],
    ['libSQL only', { LIBSQL_URL: 'file:/tmp/sy.db' }, 'libsql'],
    ['both: the file names the replicas', { PROXY_ENDPOINTS_FILE: '/e.json', LIBSQL_URL: 'file:/tmp/sy.db' }, 'endpoints file /e.json'],
  ])('%s', (_name, env, source) => {
    const r = parseProxyConfig({ env: { PROXY_ID: 'p1', PROXY_AUTH_DISABLED: 'true', ...env } });
    if (!r.ok) throw new Error(formatConfigIssues(r.issues));
    expect(replicaSource(r.config)).toBe(source);
  });
});
