import { describe, expect, test } from 'vitest';
import { promiseHookRefs, Simulation } from './index.js';

async function chain(depth: number, read: () => number): Promise<number> {
  if (depth === 0) {
    await null;
    return read();
  }
  return chain(depth - 1, read);
}

describe('promise continuations run at the virtual instant of their event', () => {
  test('a handler awaiting a 50-deep async chain reads its own event time', async () => {
    const sim = new Simulation({ seed: 1 });
    const { clock } = sim.addNode().runtime;
    const seen: [number, number][] = [];
    for (const at of [5, 5, 7, 100]) {
      clock.setTimer(at, async () => {
        const t = await chain(50, () => clock.now());
        seen.push([at, t]);
      });
    }
    // A later event that would move the clock if continuations were late.
    clock.setTimer(6, () => undefined);
    await sim.run();
    expect(seen).toEqual([
      [5, 5],
      [5, 5],
      [7, 7],
      [100, 100],
    ]);
  });

  test('a continuation scheduling a timer orders it after everything already due', async () => {
    const sim = new Simulation({ seed: 1 });
    const { clock } = sim.addNode().runtime;
    const order: string[] = [];
    clock.setTimer(10, async () => {
      await chain(10, () => 0);
      order.push(`cont@${clock.now()}`);
      clock.setTimer(0, () => order.push(`zero@${clock.now()}`));
      clock.setTimer(1, () => order.push(`one@${clock.now()}`));
    });
    clock.setTimer(10, () => order.push(`second@${clock.now()}`));
    clock.setTimer(11, () => order.push(`eleven@${clock.now()}`));
    await sim.run();
    // The continuation ran at 10 before the clock moved; its zero-delay timer came after the
    // timer already due at 10; the 1 ms one was set after the 11 ms one, so it follows it.
    expect(order).toEqual(['cont@10', 'second@10', 'zero@10', 'eleven@11', 'one@11']);
  });

  test('sleep() inside async code keeps exact virtual times', async () => {
    const sim = new Simulation({ seed: 1 });
    const { clock } = sim.addNode().runtime;
    const times: number[] = [];
    const p = (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(2.5);
        times.push(clock.now());
      }
      return 'done';
    })();
    expect(await sim.runUntil(p, 1000)).toBe('done');
    expect(times).toEqual([2.5, 5, 7.5, 10, 12.5]);
  });

  test('promise hooks are on only while a simulation runs', async () => {
    const sim = new Simulation({ seed: 1 });
    const { clock } = sim.addNode().runtime;
    let during = -1;
    clock.setTimer(1, () => {
      during = promiseHookRefs();
    });
    expect(promiseHookRefs()).toBe(0);
    await sim.run();
    expect(during).toBe(1);
    expect(promiseHookRefs()).toBe(0);
  });

  test('two simulations running at once both finish, each with its own correct times', async () => {
    const make = (step: number) => {
      const sim = new Simulation({ seed: step });
      const { clock } = sim.addNode().runtime;
      const seen: number[] = [];
      let n = 0;
      const tick = async () => {
        const t = await chain(5, () => clock.now());
        seen.push(t);
        if (++n < 200) clock.setTimer(step, tick);
      };
      clock.setTimer(step, tick);
      return { sim, seen };
    };
    const a = make(3);
    const b = make(7);
    const [ra, rb] = await Promise.all([a.sim.run(), b.sim.run()]);
    expect(ra.timers).toBe(200);
    expect(rb.timers).toBe(200);
    expect(a.seen).toEqual(Array.from({ length: 200 }, (_, i) => 3 * (i + 1)));
    expect(b.seen).toEqual(Array.from({ length: 200 }, (_, i) => 7 * (i + 1)));
    expect(promiseHookRefs()).toBe(0);
  });
});
