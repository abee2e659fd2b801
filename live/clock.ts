import { performance } from 'node:perf_hooks';
import type { Clock, Logger, Timer } from '../stack/runtime.js';
import { type TimerEntry, TimerHeap } from './timer-heap.js';

/** Node clamps larger setTimeout delays to 1 ms (with a warning); longer waits re-arm instead. */
const NODE_TIMEOUT_MAX_MS = 2 ** 31 - 1; // largest delay setTimeout honours

/**
 * The real clock. Timers live in one heap ordered by (due time, creation order) and a single Node
 * timer is armed for the earliest one. That gives the contract's guarantees exactly (same-instant
 * timers fire in the order they were set, even with different delays; nothing fires before its
 * due time by performance.now()) and keeps many short-lived stack timers cheap.
 */
export class LiveClock implements Clock {
  private readonly heap = new TimerHeap();
  private seq = 0;
  private armed: NodeJS.Timeout | undefined;
  private armedDueMs = Number.POSITIVE_INFINITY;
  /** True while fire() runs its batch; it re-arms once at the end instead of per setTimer. */
  private firing = false;

  constructor(private readonly log: Logger) {}

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    if (Number.isNaN(delayMs)) throw new RangeError('setTimer: delayMs is NaN');
    const entry: TimerEntry = {
      dueMs: this.now() + Math.max(0, delayMs),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.heap.push(entry);
    if (!this.firing && entry.dueMs < this.armedDueMs) this.arm();
    return { cancel: () => this.cancel(entry) };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(delayMs, resolve);
    });
  }

  /** Drops every pending timer (runtime shutdown), so none keeps the process alive. */
  cancelAll(): void {
    this.heap.clear();
    this.disarm();
  }

  private cancel(entry: TimerEntry): void {
    this.heap.cancel(entry);
    // With nothing left to run, release the Node timer so it does not hold the event loop open.
    if (this.heap.liveCount === 0) {
      this.heap.clear();
      this.disarm();
    }
  }

  private readonly fire = (): void => {
    this.armed = undefined;
    this.armedDueMs = Number.POSITIVE_INFINITY;
    const nowMs = this.now();
    // Timers set while this batch runs wait for a later turn, so a callback re-arming itself with
    // delay 0 cannot starve I/O, and nothing runs re-entrantly inside another timer.
    const seqLimit = this.seq;
    this.firing = true;
    for (;;) {
      this.heap.skipCancelled();
      const top = this.heap.peek();
      if (top === undefined || top.dueMs > nowMs || top.seq >= seqLimit) break;
      this.heap.pop();
      const fn = top.fn;
      top.cancelled = true; // fired: a later cancel() is a no-op
      try {
        fn();
      } catch (err) {
        this.log.error('timer callback threw', { err });
      }
    }
    this.firing = false;
    this.arm();
  };

  private arm(): void {
    this.heap.skipCancelled();
    const top = this.heap.peek();
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.armed !== undefined) {
      if (top.dueMs >= this.armedDueMs) return;
      clearTimeout(this.armed);
    }
    const delayMs = Math.min(NODE_TIMEOUT_MAX_MS, Math.max(0, Math.ceil(top.dueMs - this.now())));
    this.armed = setTimeout(this.fire, delayMs);
    this.armedDueMs = top.dueMs;
  }

  private disarm(): void {
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedDueMs = Number.POSITIVE_INFINITY;
  }
}
