import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TimerEntry, TimerHeap } from './timer-heap.js';

const entry = (dueMs: number, seq: number): TimerEntry => ({ dueMs, seq, fn: () => {}, cancelled: false });

describe('TimerHeap', () => {
  it('pops by due time, equal due times in creation order', () => {
    const heap = new TimerHeap();
    // Equal due times are the case performance.now() rarely produces live, so test it directly.
    const entries = [entry(5, 0), entry(1, 1), entry(5, 2), entry(1, 3), entry(3, 4), entry(5, 5)];
    for (const e of entries) heap.push(e);
    const order: number[] = [];
    for (let e = heap.pop(); e !== undefined; e = heap.pop()) order.push(e.seq);
    expect(order).toEqual([1, 3, 4, 0, 2, 5]);
  });

  it('matches a stable sort for any pushes and cancellations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 300 }),
        (spec) => {
          const heap = new TimerHeap();
          const entries = spec.map(([due], seq) => entry(due, seq));
          for (const e of entries) heap.push(e);
          spec.forEach(([, cancel], i) => {
            if (cancel) heap.cancel(entries[i]);
          });
          const expected = entries
            .filter((_, i) => !spec[i][1])
            .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)
            .map((e) => e.seq);
          expect(heap.liveCount).toBe(expected.length);
          const got: number[] = [];
          for (heap.skipCancelled(); heap.peek() !== undefined; heap.skipCancelled())
            got.push(heap.pop()!.seq);
          expect(got).toEqual(expected);
        },
      ),
    );
  });

  it('cancel is idempotent and compaction keeps the live entries', () => {
    const heap = new TimerHeap();
    const entries = Array.from({ length: 200 }, (_, i) => entry(i % 7, i));
    for (const e of entries) heap.push(e);
    for (const e of entries.slice(0, 150)) {
      heap.cancel(e);
      heap.cancel(e);
    }
    expect(heap.liveCount).toBe(50);
    expect(heap.size).toBeLessThan(200);
  });
});
