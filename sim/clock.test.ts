import { describe, expect, test } from 'vitest';
import { DEFAULT_EPOCH_MS, Simulation } from './index.js';

describe('SimClock', () => {
  test('timers due at the same instant fire in the order they were set', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    const order: number[] = [];
    for (let i = 0; i < 20; i++) clock.setTimer(i % 2 === 0 ? 5 : 5.000001, () => order.push(i));
    await sim.run();
    expect(order).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 2 * i),
      ...Array.from({ length: 10 }, (_, i) => 2 * i + 1),
    ]);
  });

  test('a zero-delay timer set from a firing timer fires after it returns, at the same time', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    const log: string[] = [];
    clock.setTimer(3, () => {
      clock.setTimer(0, () => log.push(`inner@${clock.now()}`));
      log.push('outer-end');
    });
    await sim.run();
    expect(log).toEqual(['outer-end', 'inner@3']);
  });

  test('negative and NaN delays count as 0; time never goes backwards', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    const times: number[] = [];
    clock.setTimer(4, () => {
      clock.setTimer(-10, () => times.push(clock.now()));
      clock.setTimer(Number.NaN, () => times.push(clock.now()));
    });
    await sim.run();
    expect(times).toEqual([4, 4]);
  });

  test('cancel() is idempotent, safe after firing, and cancelled timers do not count', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    let fired = 0;
    const a = clock.setTimer(1, () => fired++);
    const b = clock.setTimer(2, () => fired++);
    a.cancel();
    a.cancel();
    await sim.run();
    b.cancel();
    b.cancel();
    expect(fired).toBe(1);
    expect(sim.stats.timers).toBe(1);
  });

  test('mass cancellation is compacted away and the survivors still fire in order', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    const fired: number[] = [];
    const timers = Array.from({ length: 20_000 }, (_, i) =>
      clock.setTimer(1 + (i % 100), () => fired.push(i)),
    );
    timers.forEach((t, i) => {
      if (i % 10 !== 0) t.cancel();
    });
    await sim.run();
    const want = Array.from({ length: 2000 }, (_, k) => 10 * k).sort(
      (x, y) => (x % 100) - (y % 100) || x - y,
    );
    expect(fired).toEqual(want);
  });

  test('wallNow is the epoch plus virtual time', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    expect(clock.wallNow()).toBe(DEFAULT_EPOCH_MS);
    expect(new Date(DEFAULT_EPOCH_MS).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    await sim.run({ untilMs: 1234.5 });
    expect(clock.now()).toBe(1234.5);
    expect(clock.wallNow()).toBe(DEFAULT_EPOCH_MS + 1234.5);
    const custom = new Simulation({ epochMs: 1e12 });
    expect(custom.addNode().runtime.clock.wallNow()).toBe(1e12);
  });

  test('a throwing timer callback is logged on its node and counted; other timers still fire', async () => {
    const sim = new Simulation({ log: { level: 'warn' } });
    const node = sim.addNode({ name: 'alice' });
    const { clock } = node.runtime;
    let after = 0;
    clock.setTimer(1, () => {
      throw new RangeError('boom');
    });
    clock.setTimer(2, async () => {
      await null;
      throw new TypeError('async boom');
    });
    clock.setTimer(3, () => after++);
    await sim.run();
    expect(after).toBe(1);
    expect(node.handlerErrors).toBe(2);
    const errors = sim.logs().filter((r) => r.level === 'error');
    expect(errors.map((r) => [r.node, r.fields.error])).toEqual([
      ['alice', 'RangeError'],
      ['alice', 'TypeError'],
    ]);
  });
});
