/**
 * Reused arrays for a session's large transport frames. A fresh 64 KiB array per frame costs its
 * zero-fill and, as the heap shrinks and grows, page faults on first touch: measured here, more
 * than the copy of the plaintext into it. An array can be reused once the connection no longer
 * holds it, which only a connection that reports pendingWriteBytes can say (live: the socket
 * handed every written byte to the kernel); on any other connection every frame is a fresh array.
 *
 * With backpressure honoured, a connection holds a frame or two at a time, so the pool stays small.
 */

import type { Connection } from '../runtime.js';

/** Frames from this size up come from the pool; smaller ones (grants, requests) are fresh. */
const POOL_FROM_BYTES = 16 * 1024;
/** Free arrays kept for reuse; more are dropped for the collector. */
const MAX_FREE = 2;
/** Arrays tracked while the connection holds data; beyond it the oldest are forgotten (never reused). */
const MAX_HELD = 16;

export class FramePool {
  private readonly free: Uint8Array[] = [];
  /** Arrays written to the connection that it may still hold. */
  private held: Uint8Array[] = [];

  constructor(
    private readonly conn: Connection,
    /** Size of every pooled array: the largest frame. */
    private readonly arrayBytes: number,
  ) {}

  /** An array of exactly size bytes to fill and write; its content is unspecified. */
  take(size: number): Uint8Array {
    if (size < POOL_FROM_BYTES || size > this.arrayBytes || this.conn.pendingWriteBytes === undefined) {
      return new Uint8Array(size);
    }
    this.reclaim();
    const array = this.free.pop() ?? new Uint8Array(this.arrayBytes);
    if (this.held.length === MAX_HELD) this.held.shift();
    this.held.push(array);
    return array.subarray(0, size);
  }

  /** Arrays the connection no longer holds become free again. */
  private reclaim(): void {
    if (this.held.length === 0 || this.conn.pendingWriteBytes !== 0) return;
    for (const array of this.held) if (this.free.length < MAX_FREE) this.free.push(array);
    this.held = [];
  }
}
