/**
 * A decision, trace or report id with a malformed percent-escape is the client's mistake: a
 * precise 400, not the 503 "database did not answer" that a thrown URIError used to become.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDashboard, withKey, type TestDashboard } from './test-fixtures.ts';

let d: TestDashboard;
beforeAll(async () => {
  d = await startTestDashboard();
});
afterAll(async () => d.close());

it.each(['/api/decisions/%E0%A4%A', '/api/traces/%zz', '/traces/%', '/reports/%E0/report.html'])('%s → 400 bad-request', async (path) => {
  const res = await fetch(`${d.url}${path}`, { headers: withKey });
  expect(res.status).toBe(400);
  expect(((await res.json().catch(() => ({ error: { code: 'html' } }))) as { error: { code: string } }).error.code).toMatch(/bad-request|html/);
});
