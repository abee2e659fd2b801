/**
 * The event queue: a 4-ary min-heap ordered by (time, key), kept in typed arrays. Four children
 * per node halve the depth of a binary heap, and siblings are adjacent in memory: with 10,000+
 * pending events the heap does not stay in cache, and the number of lines touched per pop is what
 * costs.
 *
 * Why this shape: at millions of events per second, one object per event is the dominant cost
 * (allocation plus GC). Here an event is a slot: its payload and arg are written once into
 * slot-indexed arrays, and the heap itself holds (time, key, meta, slot) in four typed arrays. Sifting therefore moves plain numbers and never stores an object pointer, so it pays no
 * GC write barriers (moving young objects around an old array would record a remembered-set slot
 * per move). The payload is an existing object (a timer, a connection) reused across events, and
 * arg carries what differs per event (the segment a connection sends).
 *
 * Keys are unique (owner * 2^32 + the owner's sequence number), so the order is total and needs
 * no insertion counter. meta packs the owner's incarnation (generation) and the kind: gen << 4 | kind.
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

export class EventQueue {
  // Heap order.
  times = new Float64Array(INITIAL_CAPACITY);
  keys = new Float64Array(INITIAL_CAPACITY);
  private slots = new Int32Array(INITIAL_CAPACITY);
  private metas = new Int32Array(INITIAL_CAPACITY);
  // Slot order.
  private payloads: (Fireable | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private args: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeTop = 0;
  size = 0;

  // The last popped event (pop() writes here instead of allocating a result object).
  topTime = 0;
  topKey = 0;
  topMeta = 0;
  topPayload: Fireable | undefined = undefined;
  topArg: unknown = undefined;

  constructor() {
    for (let i = 0; i < INITIAL_CAPACITY; i++) this.free[this.freeTop++] = INITIAL_CAPACITY - 1 - i;
  }

  push(time: number, key: number, meta: number, payload: Fireable, arg: unknown): void {
    if (this.freeTop === 0) this.grow();
    const slot = this.free[--this.freeTop];
    this.payloads[slot] = payload;
    this.args[slot] = arg;
    const times = this.times;
    const keys = this.keys;
    const slots = this.slots;
    const metas = this.metas;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p];
      if (pt < time || (pt === time && keys[p] < key)) break;
      times[i] = pt;
      keys[i] = keys[p];
      slots[i] = slots[p];
      metas[i] = metas[p];
      i = p;
    }
    times[i] = time;
    keys[i] = key;
    slots[i] = slot;
    metas[i] = meta;
  }

  /** Removes the minimum into top*. The caller checks size > 0 first. */
  pop(): void {
    const slot = this.slots[0];
    this.topTime = this.times[0];
    this.topKey = this.keys[0];
    this.topMeta = this.metas[0];
    this.topPayload = this.payloads[slot];
    this.topArg = this.args[slot];
    this.payloads[slot] = undefined;
    this.args[slot] = undefined;
    this.free[this.freeTop++] = slot;
    const n = --this.size;
    if (n > 0) this.siftDown(0, n, this.times[n], this.keys[n], this.slots[n], this.metas[n]);
  }

  /** Places (t, k, s, m) at hole i of a heap of n elements, moving smaller children up. */
  private siftDown(i: number, n: number, t: number, k: number, s: number, m: number): void {
    const times = this.times;
    const keys = this.keys;
    const slots = this.slots;
    const metas = this.metas;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children (adjacent: one or two cache lines per array).
      let c = first;
      let ct = times[c];
      let ck = keys[c];
      const last = Math.min(first + 4, n);
      for (let j = first + 1; j < last; j++) {
        const jt = times[j];
        if (jt < ct || (jt === ct && keys[j] < ck)) {
          c = j;
          ct = jt;
          ck = keys[j];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      times[i] = ct;
      keys[i] = ck;
      slots[i] = slots[c];
      metas[i] = metas[c];
      i = c;
    }
    times[i] = t;
    keys[i] = k;
    slots[i] = s;
    metas[i] = m;
  }

  /**
   * Drops every event for which keep() is false and re-heapifies (Floyd, O(n)). Used to shed
   * cancelled timers in bulk instead of searching the heap on every cancel().
   */
  compact(keep: (key: number, meta: number, payload: Fireable) => boolean): number {
    const { times, keys, slots, metas, payloads, args } = this;
    let w = 0;
    for (let r = 0; r < this.size; r++) {
      const s = slots[r];
      if (keep(keys[r], metas[r], payloads[s]!)) {
        times[w] = times[r];
        keys[w] = keys[r];
        slots[w] = s;
        metas[w] = metas[r];
        w++;
      } else {
        payloads[s] = undefined;
        args[s] = undefined;
        this.free[this.freeTop++] = s;
      }
    }
    const removed = this.size - w;
    this.size = w;
    for (let i = (w - 2) >> 2; i >= 0; i--) this.siftDown(i, w, times[i], keys[i], slots[i], metas[i]);
    return removed;
  }

  private grow(): void {
    const old = this.times.length;
    const cap = old * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const keys = new Float64Array(cap);
    keys.set(this.keys);
    this.keys = keys;
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
