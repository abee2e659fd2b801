/**
 * The event queue: a 4-ary min-heap ordered by (time, key), kept in typed arrays.
 *
 * Why this shape: at millions of events per second, one object per event is the dominant cost
 * (allocation plus GC). Here an event is a slot: its meta word, payload and arg are written once
 * into slot-indexed arrays, and the heap itself holds (time, key) pairs interleaved in one
 * Float64Array plus the slot number. Sifting moves plain numbers and never an object pointer, so
 * it pays no GC write barriers (moving young objects around an old array records a remembered-set
 * entry per move). Four children per node halve the depth of a binary heap, and with the root at
 * position 3 every sibling group of four (time, key) pairs fills exactly one 64-byte cache line:
 * with 10,000+ pending events the heap does not stay in cache, and lines touched per pop are what
 * costs. Freed slots are reused last-in first-out, so the slot arrays stay warm.
 *
 * Keys are unique (owner * 2^32 + the owner's sequence number), so the order is total and needs
 * no insertion counter. meta packs the owner's incarnation (generation), a message bit and the kind (scheduler.ts).
 */

/**
 * Something the scheduler can dispatch. fire(arg) gets the arg given when the event was scheduled
 * (a connection's segment, an opcode); it returns the size to hash, or -1 for "was a no-op".
 */
export interface Fireable {
  fire(arg: unknown): number;
  /** A cancelled event (a cancelled timer): the queue may drop it when compacting. */
  readonly cancelled?: boolean;
}

const INITIAL_CAPACITY = 1024; // events; doubled on demand
const ROOT = 3; // heap position i lives at pair i + ROOT: children 4i+1..4i+4 start at a multiple of 4

export class EventQueue {
  /** Heap order: time at 2 * (i + ROOT), key right after it. */
  private tk = new Float64Array(2 * (INITIAL_CAPACITY + ROOT + 1));
  /** Heap order: the slot of heap position i. */
  private slots = new Int32Array(INITIAL_CAPACITY);
  // Slot order: read them at the slot pop() returns, then release() it.
  metas = new Int32Array(INITIAL_CAPACITY);
  payloads: (Fireable | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  args: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeTop = 0;
  private capacity = INITIAL_CAPACITY;
  size = 0;

  // The last popped event's time and key (pop() writes here instead of allocating a result).
  topTime = 0;
  topKey = 0;

  constructor() {
    for (let i = 0; i < INITIAL_CAPACITY; i++) this.free[this.freeTop++] = INITIAL_CAPACITY - 1 - i;
  }

  /** Time of the earliest event. The caller checks size > 0 first. */
  peekTime(): number {
    return this.tk[2 * ROOT];
  }

  push(time: number, key: number, meta: number, payload: Fireable, arg: unknown): void {
    if (this.freeTop === 0) this.grow();
    const slot = this.free[--this.freeTop];
    this.metas[slot] = meta;
    this.payloads[slot] = payload;
    this.args[slot] = arg;
    const tk = this.tk;
    const slots = this.slots;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pb = 2 * (p + ROOT);
      const pt = tk[pb];
      if (pt < time || (pt === time && tk[pb + 1] < key)) break;
      const ib = 2 * (i + ROOT);
      tk[ib] = pt;
      tk[ib + 1] = tk[pb + 1];
      slots[i] = slots[p];
      i = p;
    }
    const ib = 2 * (i + ROOT);
    tk[ib] = time;
    tk[ib + 1] = key;
    slots[i] = slot;
  }

  /**
   * Removes the earliest event: time and key go to topTime/topKey, and the returned slot indexes
   * its meta, payload and arg until release(slot). The caller checks size > 0 first.
   */
  pop(): number {
    const tk = this.tk;
    const slot = this.slots[0];
    this.topTime = tk[2 * ROOT];
    this.topKey = tk[2 * ROOT + 1];
    const n = --this.size;
    if (n > 0) {
      const nb = 2 * (n + ROOT);
      this.siftDown(0, n, tk[nb], tk[nb + 1], this.slots[n]);
    }
    return slot;
  }

  /** Frees a popped slot (its payload and arg must have been read). */
  release(slot: number): void {
    this.payloads[slot] = undefined;
    this.args[slot] = undefined;
    this.free[this.freeTop++] = slot;
  }

  /** Places (t, k, s) at hole i of a heap of n elements, moving smaller children up. */
  private siftDown(i: number, n: number, t: number, k: number, s: number): void {
    const tk = this.tk;
    const slots = this.slots;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children: one cache line.
      let c = first;
      let cb = 2 * (first + ROOT);
      let ct = tk[cb];
      let ck = tk[cb + 1];
      const last = Math.min(first + 4, n);
      for (let j = first + 1; j < last; j++) {
        const jb = 2 * (j + ROOT);
        const jt = tk[jb];
        if (jt < ct || (jt === ct && tk[jb + 1] < ck)) {
          c = j;
          cb = jb;
          ct = jt;
          ck = tk[jb + 1];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      const ib = 2 * (i + ROOT);
      tk[ib] = ct;
      tk[ib + 1] = ck;
      slots[i] = slots[c];
      i = c;
    }
    const ib = 2 * (i + ROOT);
    tk[ib] = t;
    tk[ib + 1] = k;
    slots[i] = s;
  }

  /**
   * Drops every event for which keep() is false and re-heapifies (Floyd, O(n)). Used to shed
   * cancelled timers in bulk instead of searching the heap on every cancel().
   */
  compact(keep: (key: number, meta: number, payload: Fireable) => boolean): number {
    const { tk, slots, metas, payloads } = this;
    let w = 0;
    for (let r = 0; r < this.size; r++) {
      const s = slots[r];
      const rb = 2 * (r + ROOT);
      if (keep(tk[rb + 1], metas[s], payloads[s]!)) {
        const wb = 2 * (w + ROOT);
        tk[wb] = tk[rb];
        tk[wb + 1] = tk[rb + 1];
        slots[w] = s;
        w++;
      } else {
        this.release(s);
      }
    }
    const removed = this.size - w;
    this.size = w;
    for (let i = (w - 2) >> 2; i >= 0; i--) {
      const ib = 2 * (i + ROOT);
      this.siftDown(i, w, tk[ib], tk[ib + 1], slots[i]);
    }
    return removed;
  }

  private grow(): void {
    const old = this.capacity;
    const cap = old * 2;
    this.capacity = cap;
    const tk = new Float64Array(2 * (cap + ROOT + 1));
    tk.set(this.tk);
    this.tk = tk;
    const slots = new Int32Array(cap);
    slots.set(this.slots);
    this.slots = slots;
    const metas = new Int32Array(cap);
    metas.set(this.metas);
    this.metas = metas;
    const free = new Int32Array(cap);
    // Only called when no slot is free: the new slots old..cap-1 are.
    for (let s = cap - 1; s >= old; s--) free[this.freeTop++] = s;
    this.free = free;
    for (let i = old; i < cap; i++) {
      this.payloads.push(undefined);
      this.args.push(undefined);
    }
  }
}
