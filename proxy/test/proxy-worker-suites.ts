/**
 * Proxy scenario files that also run against the proxy as `switchyard proxy` runs it by default:
 * a node:cluster primary and worker processes on one port (the `proxy-workers` vitest project sets
 * SY_TEST_PROXY_WORKERS=2; proxy-in-workers.ts). Each runs unchanged: it talks to the proxy only
 * over its sockets and its admin listener (one scrape sums every worker), reading the proxy's
state as an operator does, from the scrape (`scrapeMetrics`).
 *
 * Not here: files that read the proxy's in-process state (`proxy.runtime`, `refresh()`, a drain's
 * result, injected deps), what several workers keep global having its own `PROXY_WORKERS=2` tests;
 * and twelve that count per-process things by design: one-apps-held-result-downloads-never-exhaust-the-proxy
 * (the download cap is per process, proxy/README.md), budgeted-body-is-parsed-once and
 * first-sse-chunk-is-not-held (spies in the test's own process), sse-through-h2c-upstream-matches-http1
 * (one h2c upstream connection per process), a-client-flooding-forged-tokens-is-throttled-without-checking-them
 * and a-forger-at-the-edges-address-never-throttles-the-edges-connections (the failure budget is per process, proxy/README.md), inference-aware-pick-is-recorded-in-the-outcome
 * (the replica signals that make the second pick a `score`, not a `hash`, are per worker, proxy/README.md),
 * one-tenants-prompts-never-steer-another-to-their-cache (the same: a prefix is followed within one worker),
 * one-tenants-held-bodies-never-take-the-proxys-memory (the body allowance is per process, proxy/README.md),
 * one-tenants-outcome-backlog-never-delays-anothers-outcomes (one process's write buffer), and
 * one-apps-large-replica-metrics-never-stall-anothers-requests and
 * one-tenants-large-bodies-never-stall-anothers-requests (the event loop of the test's own process).
 */
export const PROXY_WORKER_SUITES = [
  'proxy/test/a-full-duplex-upload-is-paced-by-its-replica.test.ts',
  'proxy/test/a-refused-upload-still-reads-its-answer.test.ts',
  'proxy/test/a-realtime-apps-failed-upgrades-are-recorded-against-the-replica.test.ts',
  'proxy/test/a-websocket-client-fault-is-never-recorded-as-a-cut-by-the-replica.test.ts',
  'proxy/test/a-websocket-client-gone-before-its-refusal-never-crashes-the-proxy.test.ts',
  'proxy/test/an-endpoints-file-beside-libsql-is-the-replica-source.test.ts',
  'proxy/test/a-replica-that-answers-2xx-without-reading-the-body-never-poisons-the-next-request.test.ts',
  'proxy/test/a-replica-that-leaves-a-body-unread-never-poisons-the-next-request.test.ts',
  'proxy/test/a-replicas-cookies-never-reach-another-tenants-app.test.ts',
  'proxy/test/a-slow-http2-request-body-times-out-like-http1.test.ts',
  'proxy/test/an-upload-the-replica-refuses-early-never-stalls-the-next-request.test.ts',
  'proxy/test/chunked-body-over-the-limit-of-a-managed-stream-is-413.test.ts',
  'proxy/test/client-disconnect-aborts-upstream.test.ts',
  'proxy/test/client-faults-never-count-against-a-cluster.test.ts',
  'proxy/test/client-leaving-mid-stream-is-not-a-cut-stream.test.ts',
  'proxy/test/continuation-keeps-heartbeating-until-its-first-token.test.ts',
  'proxy/test/credentials-stop-at-proxy-and-query-passes-raw.test.ts',
  'proxy/test/dead-cluster-fails-over-to-fallback.test.ts',
  'proxy/test/h2c-stream-continues-when-its-connection-dies.test.ts',
  'proxy/test/heartbeats-before-the-first-token.test.ts',
  'proxy/test/held-connections-outlive-request-timeouts.test.ts',
  'proxy/test/held-stream-outlives-timeouts.test.ts',
  'proxy/test/http2-and-http1-clients.test.ts',
  'proxy/test/inference-aware-bodies-pass-unchanged.test.ts',
  'proxy/test/made-up-cluster-names-never-become-metric-series.test.ts',
  'proxy/test/malformed-websocket-upgrade-never-reaches-a-replica.test.ts',
  'proxy/test/managed-stream-records-genai-metrics.test.ts',
  'proxy/test/managed-streams-never-buffer-uploads.test.ts',
  'proxy/test/one-apps-retries-never-spend-anothers-retry-budget.test.ts',
  'proxy/test/operator-session-cookie-never-reaches-a-replica.test.ts',
  'proxy/test/over-limits-get-429.test.ts',
  'proxy/test/oversized-bodies-get-413-before-upstream.test.ts',
  'proxy/test/oversized-websocket-messages-are-closed-1009.test.ts',
  'proxy/test/pinned-job-returns-to-its-replica.test.ts',
  'proxy/test/proxy-trusts-the-configured-token-issuer.test.ts',
  'proxy/test/refused-request-bodies-are-not-read-forever.test.ts',
  'proxy/test/refused-tokens-never-reach-upstream.test.ts',
  'proxy/test/replica-cannot-forge-switchyard-headers.test.ts',
  'proxy/test/replica-internal-and-malformed-paths-never-reach-upstream.test.ts',
  'proxy/test/shared-prefix-requests-land-on-the-replica-holding-the-prefix.test.ts',
  'proxy/test/slow-and-silent-tls-clients-are-closed.test.ts',
  'proxy/test/slow-header-clients-are-closed.test.ts',
  'proxy/test/stream-continues-when-its-replica-dies.test.ts',
  'proxy/test/stream-cut-at-project-budget-matches-engine-usage.test.ts',
  'proxy/test/stream-ended-cleanly-mid-answer-is-continued.test.ts',
  'proxy/test/stream-error-events-name-no-replica-address.test.ts',
  'proxy/test/streamed-chat-arrives-token-by-token.test.ts',
  'proxy/test/tls-alpn-serves-h2-and-http1.test.ts',
  'proxy/test/upstream-dies-mid-stream.test.ts',
  'proxy/test/websocket-client-gone-during-admission-frees-its-slot.test.ts',
  'proxy/test/websocket-outcome-records-bytes-and-attempt.test.ts',
  'proxy/test/websocket-over-http2-extended-connect.test.ts',
  'proxy/test/websocket-replica-greeting-in-the-101-packet-reaches-the-client.test.ts',
  'proxy/test/websocket-round-trip.test.ts',
];
