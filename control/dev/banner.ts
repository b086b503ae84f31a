import type { DevStack } from './start-dev-stack.ts';

/** What `switchyard dev` prints once everything is up: URLs, the key and commands that work as printed. */
export function banner(s: DevStack): string {
  const t = s.topology;
  const auth = `-H 'Authorization: Bearer ${s.apiKey}'`;
  const body = `'{"model":"demo-llm","stream":true,"max_tokens":16,"messages":[{"role":"user","content":"Hello from Switchyard"}]}'`;
  return [
    '',
    'Switchyard is running.',
    '',
    `  edge (Worker, workerd)   ${s.edgeUrl}`,
    `  dashboard (operators)    ${s.dashboardUrl}   (sign in with the operator key: ${s.operatorKey})`,
    `  libSQL (Hrana over HTTP) ${s.libsqlUrl}   (auth token: ${s.libsqlAuthToken}, random per start)`,
    ...t.proxies.map((p) => `  ${p.id.padEnd(24)} ${p.url}  (metrics/health: ${p.adminUrl}/_switchyard/…)`),
    ...t.clusters.map(
      (c) => `  cluster ${c.id.padEnd(16)} ${c.region}/${c.provider}, ${c.replicas}×${c.slotsPerReplica} slots ${c.gpuType} at $${c.pricePerHour}/h (ports ${c.firstPort}..${c.firstPort + c.replicas - 1})`,
    ),
    '',
    ...(s.otlpUrl === null ? [] : [`  traces (OTLP/HTTP JSON)  ${s.otlpUrl}/v1/traces   (spans land in libSQL table trace_spans)`]),
    `  demo API key             ${s.apiKey}   (project acme; apps acme/chat, acme/eu-chat, acme/train)`,
    `  logs                     ${s.stateDir}/logs/`,
    '',
    'Try it:',
    '',
    '  # 1. a streaming chat completion, routed by the edge and carried by a regional proxy',
    `  curl -N ${s.edgeUrl}/v4/acme/chat/v1/chat/completions ${auth} -H 'content-type: application/json' -d ${body}`,
    '',
    '  # 2. token mode: the edge answers with a signed routing token and the proxy URL to use it at',
    `  curl -s -X POST ${s.edgeUrl}/token/v4/acme/chat/v1/chat/completions ${auth}`,
    '',
    '  # 3. explain: a synthetic request runs the real decision and shows why (never forwarded)',
    '  #    (operators only: the answer lists every cluster, price and seed)',
    `  curl -s ${s.edgeUrl}/explain/v4/acme/eu-chat/v1/chat/completions ${auth} -H 'x-switchyard-operator-key: ${s.operatorKey}'`,
    '',
    `  switchyard status:   LIBSQL_AUTH_TOKEN=${s.libsqlAuthToken} npx switchyard status --db ${s.libsqlUrl}`,
    // examples/demo.yaml names the default ports: applied to a stack on others it repoints every
    // cluster's proxy at nothing. The stack's own copy has its ports.
    `  change the config:   edit ${s.stateDir}/demo.yaml (this stack's ports), then`,
    `                       LIBSQL_AUTH_TOKEN=${s.libsqlAuthToken} npx switchyard apply -f ${s.stateDir}/demo.yaml --db ${s.libsqlUrl}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
