import { expect, it } from 'vitest';
import { WebhookDropped, WebhookLanes } from './webhook-lanes.ts';

/** A task that ends when `finish()` is called; `started` says whether it ran yet. */
function gate(): { task: () => Promise<string>; started: boolean; finish: (fail?: boolean) => void } {
  const g = { started: false, finish: (_fail?: boolean) => undefined as void, task: async (): Promise<string> => '' };
  g.task = () => {
    g.started = true;
    return new Promise<string>((resolve, reject) => {
      g.finish = (fail) => (fail === true ? reject(new Error('down')) : resolve('ok'));
    });
  };
  return g;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

it("holds an app's third notice until one of its two ends, without holding another app's", async () => {
  const lanes = new WebhookLanes(2);
  const [a1, a2, a3, b1] = [gate(), gate(), gate(), gate()];
  const first = lanes.run('a', a1.task);
  void lanes.run('a', a2.task);
  const third = lanes.run('a', a3.task);
  void lanes.run('b', b1.task);
  await tick();
  expect([a1.started, a2.started, a3.started, b1.started]).toEqual([true, true, false, true]);
  expect(lanes.waitingOf('a')).toBe(1);
  a1.finish(true); // a failed delivery frees its slot too, and its caller sees the failure
  await expect(first).rejects.toThrow('down');
  await tick();
  expect(a3.started).toBe(true);
  a3.finish();
  expect(await third).toBe('ok');
});

it('runs one app\'s waiting notices in the order they came', async () => {
  const lanes = new WebhookLanes(1);
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((n) => lanes.run('a', async () => { order.push(n); await tick(); })));
  expect(order).toEqual([1, 2, 3]);
  expect(lanes.waitingOf('a')).toBe(0);
});

it("past its line's bound an app's oldest waiting notice is dropped, never another app's", async () => {
  const lanes = new WebhookLanes(1, 2);
  const [a1, a2, a3, a4, b1, b2] = [gate(), gate(), gate(), gate(), gate(), gate()];
  void lanes.run('a', a1.task);
  const second = lanes.run('a', a2.task);
  void lanes.run('a', a3.task);
  void lanes.run('b', b1.task);
  const bWaiting = lanes.run('b', b2.task);
  void lanes.run('a', a4.task); // a's line was full (a2, a3): a2 goes
  expect(await second).toBeInstanceOf(WebhookDropped);
  expect([lanes.waitingOf('a'), lanes.waitingOf('b')]).toEqual([2, 1]);
  a1.finish();
  b1.finish();
  await tick();
  expect([a2.started, a3.started, b2.started]).toEqual([false, true, true]);
  b2.finish();
  expect(await bWaiting).toBe('ok');
});

it("a project's apps share its slots: its 20 apps hold 2, and another project's notice starts at once", async () => {
  const lanes = new WebhookLanes(2);
  const flood = Array.from({ length: 20 }, () => gate());
  flood.forEach((g, i) => void lanes.run(`flood/a${i}`, g.task));
  const other = gate();
  void lanes.run('quiet/b', other.task);
  await tick();
  expect(flood.filter((g) => g.started)).toHaveLength(2);
  expect(other.started).toBe(true);
});

it("a project's apps take turns at its slots: a sibling waits behind one notice, not the whole flood", async () => {
  const lanes = new WebhookLanes(1);
  const [a1, a2, a3, b1] = [gate(), gate(), gate(), gate()];
  void lanes.run('p/a', a1.task);
  void lanes.run('p/a', a2.task);
  void lanes.run('p/a', a3.task);
  void lanes.run('p/b', b1.task);
  await tick();
  expect([lanes.waitingOf('p/a'), lanes.waitingOf('p/b')]).toEqual([2, 1]);
  a1.finish();
  await tick();
  expect([a2.started, b1.started]).toEqual([true, false]);
  a2.finish();
  await tick();
  // p/b's turn, though p/a was there first with more.
  expect([a3.started, b1.started]).toEqual([false, true]);
  b1.finish();
  await tick();
  expect(a3.started).toBe(true);
  a3.finish();
});
