import { expect } from 'vitest';
import { runtimeCase, type Suite } from './helpers.js';

/** Clock cases. Only orderings and "no earlier than" relations are asserted, never durations. */
export function clockCases(suite: Suite): void {
  runtimeCase(suite, 'now() never decreases', async (h) => {
    const clock = h.a.clock;
    let last = clock.now();
    for (let i = 0; i < 1000; i++) {
      const t = clock.now();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    await clock.sleep(5);
    expect(clock.now()).toBeGreaterThanOrEqual(last);
    expect(Number.isFinite(clock.wallNow())).toBe(true);
  });

  runtimeCase(suite, 'timers fire in due-time order, and no earlier than their delay', async (h) => {
    const clock = h.a.clock;
    const order: number[] = [];
    const start = clock.now();
    const early: number[] = [];
    for (const delayMs of [30, 10, 20, 0, 25]) {
      clock.setTimer(delayMs, () => {
        order.push(delayMs);
        if (clock.now() - start < delayMs) early.push(delayMs);
      });
    }
    await clock.sleep(60);
    expect(order).toEqual([0, 10, 20, 25, 30]);
    expect(early).toEqual([]);
  });

  runtimeCase(
    suite,
    'timers due at the same instant fire in the order they were set; delay < 0 means 0',
    async (h) => {
      const clock = h.a.clock;
      const order: string[] = [];
      for (let i = 0; i < 10; i++) clock.setTimer(5, () => order.push(`t${i}`));
      clock.setTimer(-5, () => order.push('neg5'));
      clock.setTimer(0, () => order.push('zero'));
      clock.setTimer(-1, () => order.push('neg1'));
      await clock.sleep(20);
      expect(order).toEqual([
        'neg5',
        'zero',
        'neg1',
        't0',
        't1',
        't2',
        't3',
        't4',
        't5',
        't6',
        't7',
        't8',
        't9',
      ]);
    },
  );

  runtimeCase(
    suite,
    'a zero-delay timer set inside a firing timer runs after the current one returns',
    async (h) => {
      const clock = h.a.clock;
      const order: string[] = [];
      clock.setTimer(1, () => {
        order.push('outer start');
        clock.setTimer(0, () => order.push('inner'));
        order.push('outer end');
      });
      await clock.sleep(10);
      expect(order).toEqual(['outer start', 'outer end', 'inner']);
    },
  );

  runtimeCase(
    suite,
    'cancel() before firing prevents it; after firing, or twice, it is harmless',
    async (h) => {
      const clock = h.a.clock;
      const fired: string[] = [];
      const cancelled = clock.setTimer(5, () => fired.push('cancelled'));
      const kept = clock.setTimer(5, () => fired.push('kept'));
      cancelled.cancel();
      cancelled.cancel();
      await clock.sleep(20);
      kept.cancel();
      kept.cancel();
      expect(fired).toEqual(['kept']);
    },
  );

  runtimeCase(suite, 'a throwing timer callback does not stop the timers after it', async (h) => {
    const clock = h.a.clock;
    const fired: string[] = [];
    clock.setTimer(1, () => {
      throw new Error('deliberate failure in a timer callback');
    });
    clock.setTimer(1, () => fired.push('same instant'));
    clock.setTimer(3, () => fired.push('later'));
    await clock.sleep(10);
    expect(fired).toEqual(['same instant', 'later']);
  });

  runtimeCase(suite, 'sleep() resolves no earlier than its delay, in order with timers', async (h) => {
    const clock = h.a.clock;
    const order: string[] = [];
    const start = clock.now();
    clock.setTimer(20, () => order.push('timer 20'));
    const slept = clock
      .sleep(10)
      .then(() => order.push(`sleep 10 (${clock.now() - start >= 10 ? 'ok' : 'early'})`));
    await clock.sleep(30);
    await slept;
    expect(order).toEqual(['sleep 10 (ok)', 'timer 20']);
  });
}

/** Rng cases. Live streams are not reproducible, so only ranges, shapes and independence. */
export function rngCases(suite: Suite): void {
  runtimeCase(suite, 'int(n) stays in [0, n) and reaches both ends of small ranges', async (h) => {
    const rng = h.a.rng;
    for (const n of [1, 2, 3, 7, 1000, 2 ** 31 + 5, 2 ** 32]) {
      for (let i = 0; i < 500; i++) {
        const v = rng.int(n);
        expect(Number.isInteger(v) && v >= 0 && v < n, `int(${n}) gave ${v}`).toBe(true);
      }
    }
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(rng.int(3));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  runtimeCase(suite, 'u32() covers all 32 bits and float() stays in [0, 1)', async (h) => {
    const rng = h.a.rng;
    let orBits = 0;
    let andBits = 0xffffffff;
    for (let i = 0; i < 500; i++) {
      const v = rng.u32();
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32, `u32() gave ${v}`).toBe(true);
      orBits = (orBits | v) >>> 0;
      andBits = (andBits & v) >>> 0;
    }
    expect(orBits).toBe(0xffffffff);
    expect(andBits).toBe(0);
    const floats = Array.from({ length: 500 }, () => rng.float());
    expect(floats.every((f) => f >= 0 && f < 1)).toBe(true);
    expect(new Set(floats).size).toBeGreaterThan(490);
  });

  runtimeCase(suite, 'bytes(n) returns n fresh bytes', async (h) => {
    const rng = h.a.rng;
    for (const n of [0, 1, 31, 32, 1000, 5000, 70_000]) expect(rng.bytes(n).length).toBe(n);
    const x = rng.bytes(32);
    const y = rng.bytes(32);
    expect(x).not.toBe(y);
    expect(x).not.toEqual(y);
    expect(rng.bytes(4096).some((b) => b !== 0)).toBe(true);
  });

  runtimeCase(suite, 'fork(label) gives a working stream that is not a copy of its parent', async (h) => {
    const parent = h.a.rng;
    const child = parent.fork('component');
    expect(child.bytes(16)).not.toEqual(parent.bytes(16));
    const v = child.int(10);
    expect(v >= 0 && v < 10).toBe(true);
    expect(child.fork('nested').bytes(8).length).toBe(8);
  });
}
