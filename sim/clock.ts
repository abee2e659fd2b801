/**
 * A node's Clock: virtual time from the scheduler, timers owned by the node's incarnation.
 */
import type { Clock, Timer } from '../stack/runtime.js';
import type { Fireable } from './event-queue.js';
import { KIND_TIMER, msToNs, type Scheduler } from './scheduler.js';

/** 2026-01-01T00:00:00Z: what wallNow() reads at virtual time 0 unless the simulation says otherwise. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Receives exceptions thrown (or rejections returned) by timer callbacks. */
export type TimerErrorSink = (err: unknown) => void;

class SimTimer implements Timer, Fireable {
  cancelled = false;
  private fn: (() => unknown) | null;

  constructor(
    fn: () => unknown,
    private readonly clock: SimClock,
  ) {
    this.fn = fn;
  }

  cancel(): void {
    if (this.fn === null) return; // fired or already cancelled: cancel() is idempotent
    this.fn = null;
    this.cancelled = true;
    this.clock.sched.noteCancelled();
  }

  fire(): number {
    const fn = this.fn;
    if (fn === null) {
      this.clock.sched.cancelledInQueue--;
      return -1;
    }
    this.fn = null;
    try {
      const r = fn();
      // An async callback's rejection is reported like a throw instead of going unhandled.
      if (r instanceof Promise) r.then(undefined, this.clock.onError);
    } catch (err) {
      this.clock.onError(err);
    }
    return 0;
  }
}

export class SimClock implements Clock {
  constructor(
    readonly sched: Scheduler,
    private readonly owner: number,
    private readonly gen: number,
    private readonly epochMs: number,
    readonly onError: TimerErrorSink,
  ) {}

  now(): number {
    return this.sched.nowNs / 1e6;
  }

  wallNow(): number {
    return this.epochMs + this.sched.nowNs / 1e6;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const timer = new SimTimer(fn, this);
    this.sched.at(this.sched.nowNs + msToNs(delayMs), this.owner, this.gen, KIND_TIMER, timer);
    return timer;
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.setTimer(delayMs, resolve);
    });
  }
}
