import { expect, test } from 'vitest';
import { parseProxyConfig } from './config.ts';
import { tracingFromConfig } from './tracing.ts';

const base = { PROXY_ID: 'p1', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: '/dev/null' };

test.each([
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'otlpEndpoint', 'must be an http(s):// URL'],
  [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'otlpTracesEndpoint', 'must use http:// or https://'],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw@collector:4318' }, 'otlpEndpoint', 'must not carry credentials'],
  [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'otlpProtocol', 'http/json'],
  [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'traceSampleRatio', 'between 0 and 1'],
  [{ PROXY_TRACE_CONTENT_APPS: 'acme/chat,oops' }, 'traceContentApps', '"oops" is not an app id'],
])('%j is refused at startup', (env, field, message) => {
  const r = parseProxyConfig({ env: { ...base, ...env } });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.issues).toContainEqual(expect.objectContaining({ field, message: expect.stringContaining(message) }));
});

test('tracing is off without an endpoint and on with either variable', () => {
  const parse = (env: Record<string, string>) => {
    const r = parseProxyConfig({ env: { ...base, ...env } });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.config;
  };
  expect(tracingFromConfig(parse({}))).toBeNull();
  const on = [
    tracingFromConfig(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER_ARG: '0.25' })),
    tracingFromConfig(parse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })),
  ];
  for (const t of on) expect(t).not.toBeNull();
  return Promise.all(on.map((t) => t?.shutdown()));
});
