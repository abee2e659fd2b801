import type { Fireable } from './event-queue.js';

/** A one-off event running a closure. For rare events only (setup, teardown, faults): it allocates. */
export class Task implements Fireable {
  cancelled = false;
  constructor(private readonly fn: () => void) {}
  /** The event will do nothing (and count as nothing) when it comes up. */
  cancel(): void {
    this.cancelled = true;
  }
  fire(): number {
    if (this.cancelled) return -1;
    this.fn();
    return 0;
  }
}
