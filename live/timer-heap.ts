/**
 * A binary min-heap of timer entries ordered by (dueMs, seq). seq is a per-clock counter, so two
 * timers due at the same instant come out in the order they were set, which the Clock contract
 * requires and Node's own timer lists do not guarantee across different delays.
 */
export interface TimerEntry {
  dueMs: number;
  seq: number;
  /** Replaced by a no-op on cancel so the closure can be collected while the entry waits. */
  fn: () => void;
  cancelled: boolean;
}

export class TimerHeap {
  private items: TimerEntry[] = [];
  private cancelledCount = 0;

  get size(): number {
    return this.items.length;
  }

  /** Entries still waiting that were not cancelled. */
  get liveCount(): number {
    return this.items.length - this.cancelledCount;
  }

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  push(entry: TimerEntry): void {
    this.items.push(entry);
    this.siftUp(this.items.length - 1);
  }

  pop(): TimerEntry | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.siftDown(0);
    }
    if (top.cancelled) this.cancelledCount--;
    return top;
  }

  /** Marks an entry cancelled; rebuilds the heap when cancelled entries dominate it. */
  cancel(entry: TimerEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    entry.fn = noop;
    this.cancelledCount++;
    // Lazy deletion keeps cancel O(1); compaction bounds the garbage that repeatedly re-armed
    // keepalive timers would otherwise leave behind until their due time.
    if (this.cancelledCount > 64 && this.cancelledCount * 2 > this.items.length) this.compact();
  }

  /** Drops cancelled entries from the top, so peek() shows the next timer that will really run. */
  skipCancelled(): void {
    while (this.items.length > 0 && this.items[0].cancelled) this.pop();
  }

  clear(): void {
    for (const entry of this.items) entry.fn = noop;
    this.items = [];
    this.cancelledCount = 0;
  }

  private compact(): void {
    this.items = this.items.filter((e) => !e.cancelled);
    this.cancelledCount = 0;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(index: number): void {
    const items = this.items;
    const entry = items[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, items[parent])) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = entry;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const n = items.length;
    const entry = items[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right], items[left]) ? right : left;
      if (!before(items[child], entry)) break;
      items[index] = items[child];
      index = child;
    }
    items[index] = entry;
  }
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

function noop(): void {}
