/**
 * FIFO queues of chunks for a mux stream. Chunks are kept by reference (the Connection contract
 * says neither side modifies a chunk it handed over), so queuing copies nothing; the only copy
 * on the send path is copyOut(), straight into the message the mux is building.
 */

/** Chunks with an index to the head, so taking from the front is O(1) however long the queue. */
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  /** Bytes in the queue (minus what copyOut already took from the first chunk). */
  bytes = 0;

  get length(): number {
    return this.chunks.length - this.head;
  }

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Remove and return the first chunk (callers check length first). */
  shift(): Uint8Array {
    const chunk = this.chunks[this.head];
    this.chunks[this.head] = EMPTY; // drop the reference now, not at the next compaction
    this.head++;
    this.bytes -= chunk.length;
    this.compact();
    return chunk;
  }

  /** Drop everything; returns how many bytes were dropped. */
  clear(): number {
    const dropped = this.bytes;
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    return dropped;
  }

  /**
   * Move the first n bytes (n <= bytes) into out[offset..offset+n), across chunk boundaries, and
   * remove them from the queue.
   */
  copyOut(out: Uint8Array, offset: number, n: number): void {
    let left = n;
    let at = offset;
    while (left > 0) {
      const chunk = this.chunks[this.head];
      if (chunk.length <= left) {
        out.set(chunk, at);
        at += chunk.length;
        left -= chunk.length;
        this.chunks[this.head] = EMPTY;
        this.head++;
      } else {
        out.set(chunk.subarray(0, left), at);
        this.chunks[this.head] = chunk.subarray(left);
        left = 0;
      }
    }
    this.bytes -= n;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
