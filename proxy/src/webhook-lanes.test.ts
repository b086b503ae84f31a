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

it("a project's lines together hold at most its bound: more apps buy no more memory, and the app holding most loses first", async () => {
  // One slot, 2 waiting per app, 5 per project: the slot is held, then 8 apps send 2 notices each.
  const lanes = new WebhookLanes(1, 2, 5);
  void lanes.run('p/busy', gate().task);
  const sent = new Map<string, Array<Promise<string | WebhookDropped>>>();
  for (let i = 0; i < 8; i++) for (let k = 0; k < 2; k++) {
    const app = `p/a${i}`;
    sent.set(app, [...(sent.get(app) ?? []), lanes.run(app, gate().task)]);
  }
  const waiting = [...sent.keys()].reduce((n, app) => n + lanes.waitingOf(app), 0);
  expect(waiting).toBe(5);
  // Every drop says which bound pushed it out.
  const dropped = (await Promise.all([...sent.values()].flat().map((p) => Promise.race([p, tick().then(() => null)])))).filter((r) => r instanceof WebhookDropped);
  expect(dropped).toHaveLength(11);
  expect(new Set(dropped.map((d) => (d as WebhookDropped).full))).toEqual(new Set(['project']));
  // No app holds more than 1 notice more than another: a flooding sibling cannot crowd out the rest.
  const lengths = [...sent.keys()].map((app) => lanes.waitingOf(app));
  expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
  // Another project is untouched by p's bound.
  const other = lanes.run('q/x', gate().task);
  expect(await Promise.race([other, tick().then(() => 'running')])).toBe('running');
});

it('one flooding app of a full project loses its own notices, not its sibling\'s', async () => {
  const lanes = new WebhookLanes(1, 100, 4);
  void lanes.run('p/busy', gate().task);
  const quiet = lanes.run('p/quiet', gate().task);
  const flood = Array.from({ length: 10 }, () => lanes.run('p/flood', gate().task));
  expect([lanes.waitingOf('p/quiet'), lanes.waitingOf('p/flood')]).toEqual([1, 3]);
  expect(await Promise.race([quiet, tick().then(() => 'waiting')])).toBe('waiting');
  const floodDrops = (await Promise.all(flood.map((p) => Promise.race([p, tick().then(() => null)])))).filter((r) => r instanceof WebhookDropped);
  expect(floodDrops).toHaveLength(7);
});
