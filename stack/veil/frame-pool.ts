/**
 * Reused arrays for a session's large transport frames. A fresh 64 KiB array per frame costs its
 * zero-fill and, as the heap shrinks and grows, page faults on first touch: measured here, more
 * than the copy of the plaintext into it. An array can be reused once the connection no longer
 * holds it, which only a connection that reports pendingWriteBytes can say (live: the socket
 * handed every written byte to the kernel; a mux stream: copied into a message); on any other
 * connection every frame is a fresh array.
 *
 * Connections let go of what was written in order (a socket's queue, a mux stream's queue), so
 * the bytes still held are the last pendingWriteBytes written: a frame followed by at least that
 * many bytes is free, even while later ones are still held. Every frame the session writes is
 * taken here, so the pool counts the bytes written after each. A session nested in a backed-up
 * stream (a relayed circuit) thus reuses its frames one at a time instead of taking a fresh array
 * per frame until the stream empties.
 */

import type { Connection } from '../runtime.js';

/** Frames from this size up come from the pool; smaller ones (grants, requests) are fresh. */
const POOL_FROM_BYTES = 16 * 1024;
/** Free arrays kept for reuse; more are dropped for the collector. */
const MAX_FREE = 4;
/** Arrays tracked while the connection holds data; beyond it the oldest are forgotten (never reused). */
const MAX_HELD = 32;

interface Held {
  array: Uint8Array;
  /** `written` once this frame was taken: the bytes written up to and including it. */
  endAt: number;
}

export class FramePool {
  private readonly free: Uint8Array[] = [];
  /** Arrays written to the connection that it may still hold, oldest first. */
  private held: Held[] = [];
  /** Bytes of every frame taken so far (each is written, in order). */
  private written = 0;

  constructor(
    private readonly conn: Connection,
    /** Size of every pooled array: the largest frame. */
    private readonly arrayBytes: number,
  ) {}

  /** An array of exactly size bytes to fill and write (before the next take); its content is unspecified. */
  take(size: number): Uint8Array {
    const pending = this.conn.pendingWriteBytes;
    if (size < POOL_FROM_BYTES || size > this.arrayBytes || pending === undefined) {
      this.written += size;
      return new Uint8Array(size);
    }
    this.reclaim(pending);
    this.written += size;
    const array = this.free.pop() ?? new Uint8Array(this.arrayBytes);
    if (this.held.length === MAX_HELD) this.held.shift();
    this.held.push({ array, endAt: this.written });
    return array.subarray(0, size);
  }

  /** Arrays followed by at least `pending` bytes (all that the connection still holds) become free. */
  private reclaim(pending: number): void {
    while (this.held.length > 0 && this.written - this.held[0].endAt >= pending) {
      const { array } = this.held.shift()!;
      if (this.free.length < MAX_FREE) this.free.push(array);
    }
  }
}
