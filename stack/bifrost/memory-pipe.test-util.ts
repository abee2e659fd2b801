/**
 * A minimal in-memory Connection pair for the Bifrost tests, following the Connection contract of
 * stack/runtime.ts closely enough for framing: events from a later turn (microtasks), onClose once
 * and last, close(err) discards queued bytes and resets the peer, close() flushes then ends.
 * It has no buffer limit (write always returns true); tests of backpressure live with the mux.
 */

import {
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionResetError,
  type NetError,
} from '../runtime.js';

type Event = { kind: 'data'; chunk: Uint8Array } | { kind: 'end' } | { kind: 'close'; err?: NetError };

export class MemoryConnection implements Connection {
  peer!: MemoryConnection;
  written: Uint8Array[] = [];
  private handler: ConnectionHandler | undefined;
  private inbox: Event[] = [];
  private scheduled = false;
  private paused = false;
  private localEnded = false;
  private remoteEnded = false;
  private closeQueued = false;
  private isClosed = false;

  constructor(
    readonly localAddr: string,
    readonly remoteAddr: string,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    this.schedule();
  }

  write(chunk: Uint8Array): boolean {
    if (this.localEnded || this.isClosed) throw new ConnectionClosedError('write after end/close');
    this.written.push(chunk);
    this.peer.enqueue({ kind: 'data', chunk: chunk.slice() });
    return true;
  }

  end(): void {
    if (this.localEnded || this.isClosed) return;
    this.localEnded = true;
    this.peer.enqueue({ kind: 'end' });
    this.maybeOrderlyClose();
  }

  close(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (err === undefined) {
      if (!this.localEnded) this.peer.enqueue({ kind: 'end' });
      this.peer.enqueue({ kind: 'close' });
    } else {
      this.peer.enqueue({ kind: 'close', err: new ConnectionResetError('reset by peer') });
    }
    this.localEnded = true;
    this.queueClose(undefined);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Deliver events until the inbox is empty (tests await this between steps). */
  private enqueue(ev: Event): void {
    if (ev.kind === 'close' && ev.err !== undefined) this.inbox = this.inbox.filter((e) => e.kind !== 'data');
    this.inbox.push(ev);
    this.schedule();
  }

  private queueClose(err: NetError | undefined): void {
    if (this.closeQueued) return;
    this.closeQueued = true;
    this.inbox.push({ kind: 'close', err });
    this.schedule();
  }

  private maybeOrderlyClose(): void {
    if (this.localEnded && this.remoteEnded) {
      this.isClosed = true;
      this.queueClose(undefined);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A promise job (not queueMicrotask): the purity rule, and the simulator sees only promise work.
    void Promise.resolve().then(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    while (this.handler && this.inbox.length > 0) {
      const ev = this.inbox[0];
      if (ev.kind === 'data' && this.paused) return;
      this.inbox.shift();
      if (ev.kind === 'data') this.handler.onData(ev.chunk);
      else if (ev.kind === 'end') {
        this.remoteEnded = true;
        this.handler.onEnd?.();
        this.maybeOrderlyClose();
      } else {
        if (this.closeDelivered) continue;
        this.closeDelivered = true;
        this.isClosed = true;
        this.inbox = [];
        this.handler.onClose?.(ev.err);
      }
    }
  }
  private closeDelivered = false;
}

export function memoryPipe(): [MemoryConnection, MemoryConnection] {
  const a = new MemoryConnection('a:1', 'b:1');
  const b = new MemoryConnection('b:1', 'a:1');
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Let queued microtasks (and the ones they queue) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
