import { describe, expect, it } from 'vitest';
import type { Connection, ConnectionHandler } from '../runtime.js';
import { HeadReader, splice } from './head-reader.js';

/**
 * A connection that hands its handler views of one reused read buffer when the handler borrows
 * (as the Veil session does), and holds written chunks by reference until flush() copies them
 * out (as a mux stream does), reporting pendingWriteBytes.
 */
class FakeConn implements Connection {
  readonly localAddr = 'fake';
  readonly remoteAddr = 'fake';
  closed = false;
  handler: ConnectionHandler | undefined;
  private readonly readBuffer = new Uint8Array(4096);
  private held: Uint8Array[] = [];
  readonly sent: number[] = [];

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
  }
  /** Deliver bytes as a borrowed view when allowed, then scribble over the buffer. */
  deliver(bytes: Uint8Array): void {
    const h = this.handler!;
    if (h.borrowsChunks) {
      this.readBuffer.set(bytes);
      h.onData(this.readBuffer.subarray(0, bytes.length));
      this.readBuffer.fill(0xee);
    } else h.onData(bytes.slice());
  }
  write(chunk: Uint8Array): boolean {
    this.held.push(chunk);
    return true;
  }
  get pendingWriteBytes(): number {
    return this.held.reduce((n, c) => n + c.length, 0);
  }
  flush(): void {
    for (const c of this.held) this.sent.push(...c);
    this.held = [];
  }
  end(): void {}
  close(): void {
    this.closed = true;
  }
  pause(): void {}
  resume(): void {}
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe('splice', () => {
  it('borrows chunks and copies them before the source reuses its buffer, whether or not the sink has let go', () => {
    const a = new FakeConn();
    const b = new FakeConn();
    splice(new HeadReader(a), new HeadReader(b));
    expect(a.handler?.borrowsChunks).toBe(true);
    const want: number[] = [];
    for (let i = 0; i < 40; i++) {
      const chunk = bytes(1000 + i * 50, i);
      want.push(...chunk);
      a.deliver(chunk);
      if (i % 3 === 2) b.flush(); // b holds up to three chunks at a time, then lets go of all
    }
    b.flush();
    expect(b.sent).toEqual(want);
  });
});

describe('HeadReader', () => {
  it('borrows from its connection only once its own handler borrows, and keeps the order', async () => {
    const a = new FakeConn();
    const h = new HeadReader(a);
    expect(a.handler?.borrowsChunks).toBe(false);
    a.deliver(Uint8Array.of(1, 2, 3));
    const got: number[] = [];
    h.setHandler({ borrowsChunks: true, onData: (c) => got.push(...c) });
    expect(a.handler?.borrowsChunks).toBe(true);
    a.deliver(Uint8Array.of(4, 5)); // before the queued chunk is delivered: must wait behind it
    await Promise.resolve();
    a.deliver(Uint8Array.of(6));
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
