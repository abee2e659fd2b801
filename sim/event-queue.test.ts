import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EventQueue, type Fireable } from './event-queue.js';

const noop: Fireable = { fire: () => 0 };

function drain(q: EventQueue): [number, number, unknown][] {
  const out: [number, number, unknown][] = [];
  while (q.size > 0) {
    const slot = q.pop();
    out.push([q.topTime, q.topKey, q.args[slot]]);
    q.release(slot);
  }
  return out;
}

describe('EventQueue', () => {
  test('pops in (time, key) order for any push sequence, interleaved with pops', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 3000 }),
        (ops) => {
          const q = new EventQueue();
          const ref: [number, number][] = [];
          let key = 0;
          for (const [time, popFirst] of ops) {
            if (popFirst && ref.length > 0) {
              ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
              const want = ref.shift()!;
              q.release(q.pop());
              expect([q.topTime, q.topKey]).toEqual(want);
            }
            // Keys are unique, as the scheduler guarantees; arg travels with its event.
            q.push(time, key, key & 15, noop, key);
            ref.push([time, key]);
            key++;
          }
          ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          expect(drain(q)).toEqual(ref.map(([t, k]) => [t, k, k]));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('meta and payload travel with their event through growth', () => {
    const q = new EventQueue();
    const payloads = Array.from({ length: 5000 }, (_, i) => ({ fire: () => i }));
    for (let i = 4999; i >= 0; i--) q.push(i % 97, i, i * 3, payloads[i], `arg${i}`);
    let prev = -1;
    let prevKey = -1;
    for (let n = 0; n < 5000; n++) {
      const slot = q.pop();
      const i = q.topKey;
      expect(q.topTime).toBe(i % 97);
      expect(q.metas[slot]).toBe(i * 3);
      expect(q.payloads[slot]).toBe(payloads[i]);
      expect(q.args[slot]).toBe(`arg${i}`);
      q.release(slot);
      expect(q.topTime > prev || (q.topTime === prev && i > prevKey)).toBe(true);
      prev = q.topTime;
      prevKey = i;
    }
  });

  test('compact drops exactly the rejected events and keeps the order', () => {
    const q = new EventQueue();
    const cancelled = { fire: () => 0, cancelled: true };
    for (let i = 0; i < 3000; i++) q.push((i * 7919) % 1000, i, 0, i % 3 === 0 ? cancelled : noop, i);
    const removed = q.compact((_k, _m, p) => p.cancelled !== true);
    expect(removed).toBe(1000);
    const rest = drain(q);
    expect(rest).toHaveLength(2000);
    expect(rest.every(([, k]) => k % 3 !== 0)).toBe(true);
    for (let i = 1; i < rest.length; i++) {
      const [t0, k0] = rest[i - 1];
      const [t1, k1] = rest[i];
      expect(t1 > t0 || (t1 === t0 && k1 > k0)).toBe(true);
    }
  });
});
