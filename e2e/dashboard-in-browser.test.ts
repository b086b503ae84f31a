/**
 * The operations dashboard in a real browser (playwright-core driving Debian's chromium, no
 * browser download) against a whole running stack: the operator gate refuses without the key,
 * the fleet shows the four clusters, a decision's drill-down lists its candidates, failing a
 * replica turns its cluster unhealthy on screen within 5 s, and the page logs no console error.
 * Screenshots go to e2e/artifacts/dashboard/ (gitignored; the path is printed).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaUrls } from '../control/dev/topology.ts';
import { CLIENTS, devLocation, sleep, useStack } from './stack.ts';

// With our OTLP receiver, as `npm start` runs it: the trace pages show real edge → proxy traces.
const h = useStack(25_400, {}, { traces: true });
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts/dashboard');

let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  process.stdout.write(`dashboard screenshots: ${ARTIFACTS}\n`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function control(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}/_control: ${res.status}`);
}

describe('dashboard in a browser', () => {
  it('refuses without the operator key', async () => {
    const { dashboardUrl } = h.stack();
    const api = await fetch(`${dashboardUrl}/api/state`);
    expect(api.status).toBe(401);
    expect((await fetch(`${dashboardUrl}/api/state`, { headers: { 'x-switchyard-operator-key': 'not-the-key-not-the-key' } })).status).toBe(401);
    await page.goto(dashboardUrl);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('#fleet-table').count()).toBe(0);
    await page.fill('input[name=token]', 'not-the-key-not-the-key');
    await page.click('button[type=submit]');
    await page.waitForSelector('p.error');
    await shot('01-refused');
  });

  it('after signing in, the fleet shows the four clusters', async () => {
    const { operatorKey } = h.stack();
    // The refused sign-in above is a 401 the browser logs on purpose; from here on nothing may log an error.
    consoleErrors.length = 0;
    await page.fill('input[name=token]', operatorKey);
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('#fleet-table tr[data-cluster]').count(), { timeout: 10_000 }).toBe(4);
    const ids = await page.locator('#fleet-table tr[data-cluster]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster')));
    expect(ids.sort()).toEqual(['ap-southeast-1', 'eu-central-1', 'eu-west-1', 'us-east-1']);
    expect(await page.content()).not.toContain(operatorKey);
    await shot('02-fleet');
  });

  it('clicking a decision shows its candidates', async () => {
    const { edgeUrl, apiKey } = h.stack();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${edgeUrl}/v4/acme/chat/v1/models`, { headers: { authorization: `Bearer ${apiKey}`, ...devLocation(i % 2 === 0 ? CLIENTS.frankfurt : CLIENTS.newYork) } });
      await res.text();
      expect(res.status).toBe(200);
    }
    const row = page.locator('#feed tbody tr[data-decision]').first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await page.waitForSelector('#candidates tr.candidate', { timeout: 5_000 });
    const candidates = await page.locator('#candidates tr.candidate').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster')));
    expect(candidates.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#candidates tr.candidate.chosen').count()).toBe(1);
    expect(await page.locator('#candidates ul.terms li').count()).toBeGreaterThan(0);
    await shot('03-decision');
  });

  it('failing a replica turns its cluster unhealthy on screen within 5 s', async () => {
    const cluster = h.stack().topology.clusters.find((c) => c.id === 'ap-southeast-1');
    if (cluster === undefined) throw new Error('no ap-southeast-1 in the dev topology');
    const selector = '#fleet-table tr[data-cluster="ap-southeast-1"]';
    expect(await page.locator(selector).getAttribute('data-health')).toBe('healthy');
    const urls = replicaUrls(cluster);
    const started = Date.now();
    try {
      for (const u of urls) await control(u, { fail: true });
      await page.waitForSelector(`${selector}[data-health="unhealthy"]`, { timeout: 5_000 });
      process.stdout.write(`cluster shown unhealthy ${Date.now() - started} ms after its replica failed\n`);
      await shot('04-unhealthy');
    } finally {
      for (const u of urls) await control(u, { reset: true });
    }
  });

  it('the trace pages show one request\'s trace across edge and proxy as a waterfall', async () => {
    // The decisions above went edge → proxy → replica with tracing on; spans arrive in batches.
    const both = page.locator('#traces tbody tr[data-trace]', { hasText: 'switchyard-proxy' }).filter({ hasText: 'switchyard-edge' });
    await expect
      .poll(async () => {
        await page.goto(`${h.stack().dashboardUrl}/traces`);
        return both.count();
      }, { timeout: 20_000, interval: 1_000 })
      .toBeGreaterThan(0);
    await shot('05-traces');
    await both.first().locator('a').click();
    await page.waitForSelector('#waterfall tr.span');
    const services = await page.locator('#waterfall tr.span td.name .muted').allTextContents();
    expect(services.some((t) => t.startsWith('switchyard-edge'))).toBe(true);
    expect(services.some((t) => t.startsWith('switchyard-proxy'))).toBe(true);
    // Children sit under their parents: the proxy's spans are deeper than the edge's root.
    const depths = await page.locator('#waterfall tr.span').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-depth'))));
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(2);
    expect(await page.content()).not.toContain(h.stack().apiKey);
    await shot('06-trace-waterfall');
    await page.goto(h.stack().dashboardUrl);
    await page.waitForSelector('#fleet-table');
    // Let a few live updates land, then read what they cost in this browser.
    await sleep(2_500);
    const stats = (await page.evaluate('window.__dashboard')) as { updates: number; lastMs: number; maxMs: number; totalMs: number };
    process.stdout.write(`browser update cost: ${stats.updates} updates, mean ${(stats.totalMs / Math.max(1, stats.updates)).toFixed(1)} ms, max ${stats.maxMs.toFixed(1)} ms\n`);
    expect(stats.updates).toBeGreaterThan(1);
  });

  it('logged no console errors once signed in', () => {
    expect(consoleErrors).toEqual([]);
  });
});
