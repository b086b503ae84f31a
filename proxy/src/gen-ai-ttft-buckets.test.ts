import { expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

// Time to first token runs from tens of ms (a warm replica) to minutes (a cold start loading a
// model): a 2- or 4-minute TTFT must land in a finite bucket, not only in +Inf, or a cold-start
// regression from 2 to 4 minutes is invisible on the dashboard.
it.each([
  [0.05, 0.05],
  [90, 120],
  [150, 300],
  [240, 300],
  [500, 600],
])('a TTFT of %d s falls in the le=%d bucket', async (seconds, le) => {
  const m = createMetrics(false);
  m.genAiTimeToFirstChunk.observe({ app: 'p/a', cluster: 'c1' }, seconds);
  const { values } = await m.genAiTimeToFirstChunk.get();
  const buckets = values.filter((v) => v.metricName?.endsWith('_bucket'));
  const first = buckets.find((v) => v.value === 1);
  expect((first?.labels as Record<string, unknown> | undefined)?.['le']).toBe(le);
});
