/**
 * The proxy's span export queue is shared by every app. When spans come faster than the collector
 * takes them (a burst of sampled requests, a slow collector), the SDK's queue filled with the
 * bursting app's spans and dropped everything that ended next — every other app's traces too.
 * Now each tenant (project) queues within its fair share: a burst costs the bursting project its
 * own spans (counted per project and app), and a quiet project's spans are all exported — also
 * when the burst comes through many apps of one project, which once held a share per app. A
 * request whose token did not verify names its app only by its path: such spans share one
 * anonymous share, whatever app they name.
 * The real OpenTelemetry SDK (BatchSpanProcessor) behind ProxyTracing; the exporter records what
 * the collector would receive.
 */
import type { IncomingMessage } from 'node:http';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import { ProxyTracing, type AdmissionFacts } from '../src/tracing.ts';

const QUEUE = 64;

class Collector implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function tracing(): { t: ProxyTracing; collector: Collector; shed: Map<string, number> } {
  const collector = new Collector();
  const shed = new Map<string, number>();
  const cfg = { tracesUrl: '', sampleRatio: 1, serviceName: 'test', contentApps: new Set<string>(), proxyId: 'px', region: 'r1' };
  const t = ProxyTracing.create(cfg, { exporter: collector, maxQueueSize: QUEUE, onShed: ({ app }) => shed.set(app, (shed.get(app) ?? 0) + 1) });
  return { t, collector, shed };
}

/** One request of `app` answered 200 (verified) or refused before its token verified: two spans. */
function request(t: ProxyTracing, app: string, verified: boolean): void {
  const req = { headers: {}, method: 'POST', url: `/v4/${app}/chat`, httpVersion: '1.1' } as unknown as IncomingMessage;
  const facts: AdmissionFacts = verified
    ? { claims: { app } as unknown as RoutingClaims, appId: app, fn: 'chat', refusal: null }
    : { claims: null, appId: app, fn: 'chat', refusal: { code: 'bad-token', status: 401 } };
  t.request(req, Date.now(), facts)?.end(200);
}

const exportedOf = (c: Collector, app: string): number =>
  c.spans.filter((s) => s.attributes['switchyard.app'] === app || (s.parentSpanContext !== undefined && c.spans.some((p) => p.spanContext().spanId === s.parentSpanContext?.spanId && p.attributes['switchyard.app'] === app))).length;

it("a burst of one app's spans leaves room for another project's, and costs only the bursting app", async () => {
  const { t, collector, shed } = tracing();
  for (let i = 0; i < 1_000; i++) request(t, 'acme/burst', true);
  for (let i = 0; i < 10; i++) request(t, 'globex/quiet', true);
  await t.flush();
  expect(exportedOf(collector, 'globex/quiet')).toBe(20);
  expect(exportedOf(collector, 'acme/burst')).toBe(QUEUE / 2);
  expect(shed.get('acme/burst')).toBe(2_000 - QUEUE / 2);
  expect(shed.has('globex/quiet')).toBe(false);
  await t.shutdown();
});

it("a project bursting through 20 apps holds one share: another project's spans are all exported", async () => {
  const { t, collector } = tracing();
  const apps = Array.from({ length: 20 }, (_, i) => `flood/a${i}`);
  for (let i = 0; i < 100; i++) for (const app of apps) request(t, app, true);
  for (let i = 0; i < 10; i++) request(t, 'globex/quiet', true);
  await t.flush();
  expect(exportedOf(collector, 'globex/quiet')).toBe(20);
  expect(apps.reduce((n, app) => n + exportedOf(collector, app), 0)).toBe(QUEUE / 2);
  await t.shutdown();
});

it('unverified requests naming many apps share one anonymous share', async () => {
  const { t, collector, shed } = tracing();
  for (let i = 0; i < 500; i++) request(t, `made/up-${i}`, false);
  for (let i = 0; i < 10; i++) request(t, 'acme/quiet', true);
  await t.flush();
  expect(exportedOf(collector, 'acme/quiet')).toBe(20);
  expect(shed.get('')).toBe(1_000 - QUEUE / 2);
  await t.shutdown();
});

it('a server span names its project for the trace store only when its token verified', async () => {
  const { t, collector } = tracing();
  request(t, 'acme/chat', true);
  request(t, 'globex/chat', false);
  await t.flush();
  const servers = collector.spans.filter((s) => s.attributes['switchyard.app'] !== undefined);
  expect(servers.map((s) => [s.attributes['switchyard.app'], s.attributes['switchyard.project']])).toEqual([
    ['acme/chat', 'acme'],
    ['globex/chat', undefined],
  ]);
  await t.shutdown();
});
