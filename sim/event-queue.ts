/**
 * The event queue: a binary min-heap kept as a struct of typed arrays, ordered by (time, key).
 *
 * Why typed arrays: at millions of events per second, one object per event is the dominant cost
 * (allocation plus GC). Here an event is four array slots; the payload is an existing object
 * (a timer, a connection pipe) reused across events. Keys are unique (owner * 2^32 + the owner's
 * sequence number), so the order is total and needs no insertion counter.
 *
 * meta packs the owner's incarnation (generation) and the event kind: gen << 4 | kind.
 */

/** Something the scheduler can dispatch. fire() returns the size to hash, or -1 for "was a no-op". */
export interface Fireable {
  fire(): number;
  /** A cancelled event (a cancelled timer): the queue may drop it when compacting. */
  readonly cancelled?: boolean;
}

const INITIAL_CAPACITY = 1024; // events; doubled on demand

export class EventQueue {
  times = new Float64Array(INITIAL_CAPACITY);
  keys = new Float64Array(INITIAL_CAPACITY);
  metas = new Int32Array(INITIAL_CAPACITY);
  payloads: (Fireable | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  size = 0;

  // The last popped event (pop() writes here instead of allocating a result object).
  topTime = 0;
  topKey = 0;
  topMeta = 0;
  topPayload: Fireable | undefined = undefined;

  push(time: number, key: number, meta: number, payload: Fireable): void {
    if (this.size === this.times.length) this.grow();
    const times = this.times;
    const keys = this.keys;
    const metas = this.metas;
    const payloads = this.payloads;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && keys[p] < key)) break;
      times[i] = pt;
      keys[i] = keys[p];
      metas[i] = metas[p];
      payloads[i] = payloads[p];
      i = p;
    }
    times[i] = time;
    keys[i] = key;
    metas[i] = meta;
    payloads[i] = payload;
  }

  /** Removes the minimum into top*. The caller checks size > 0 first. */
  pop(): void {
    const times = this.times;
    const keys = this.keys;
    const metas = this.metas;
    const payloads = this.payloads;
    this.topTime = times[0];
    this.topKey = keys[0];
    this.topMeta = metas[0];
    this.topPayload = payloads[0];
    const n = --this.size;
    if (n === 0) {
      payloads[0] = undefined;
      return;
    }
    const t = times[n];
    const k = keys[n];
    const m = metas[n];
    const pl = payloads[n];
    payloads[n] = undefined;
    this.siftDown(0, n, t, k, m, pl);
  }

  /** Places (t, k, m, pl) at hole i of a heap of n elements, moving smaller children up. */
  private siftDown(i: number, n: number, t: number, k: number, m: number, pl: Fireable | undefined): void {
    const times = this.times;
    const keys = this.keys;
    const metas = this.metas;
    const payloads = this.payloads;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = times[c];
      let ck = keys[c];
      const r = c + 1;
      if (r < n) {
        const rt = times[r];
        if (rt < ct || (rt === ct && keys[r] < ck)) {
          c = r;
          ct = rt;
          ck = keys[r];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      times[i] = ct;
      keys[i] = ck;
      metas[i] = metas[c];
      payloads[i] = payloads[c];
      i = c;
    }
    times[i] = t;
    keys[i] = k;
    metas[i] = m;
    payloads[i] = pl;
  }

  /**
   * Drops every event for which keep() is false and re-heapifies (Floyd, O(n)). Used to shed
   * cancelled timers in bulk instead of searching the heap on every cancel().
   */
  compact(keep: (key: number, meta: number, payload: Fireable) => boolean): number {
    const { times, keys, metas, payloads } = this;
    let w = 0;
    for (let r = 0; r < this.size; r++) {
      const pl = payloads[r]!;
      if (!keep(keys[r], metas[r], pl)) continue;
      times[w] = times[r];
      keys[w] = keys[r];
      metas[w] = metas[r];
      payloads[w] = pl;
      w++;
    }
    const removed = this.size - w;
    for (let i = w; i < this.size; i++) payloads[i] = undefined;
    this.size = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i, w, times[i], keys[i], metas[i], payloads[i]);
    return removed;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    const keys = new Float64Array(cap);
    keys.set(this.keys);
    const metas = new Int32Array(cap);
    metas.set(this.metas);
    this.times = times;
    this.keys = keys;
    this.metas = metas;
    const payloads = this.payloads;
    for (let i = payloads.length; i < cap; i++) payloads.push(undefined);
  }
}
