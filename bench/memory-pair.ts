/**
 * Two Runtime Connections joined in memory, for running real Veil handshakes on one thread with
 * no socket in the way (bench handshake). It keeps the parts of the Connection contract Veil
 * relies on: events come from a later turn (a microtask), never from inside write/end/close;
 * events that arrive before setHandler are kept; onClose comes once and last. Chunks are passed
 * by reference (a sender never touches a chunk after write), and write() never pushes back.
 */

import {
  type Connection,
  ConnectionClosedError,
  type ConnectionHandler,
  ConnectionResetError,
  type NetError,
} from '../stack/runtime.js';

type Event = { kind: 'data'; chunk: Uint8Array } | { kind: 'end' } | { kind: 'close'; err?: NetError };

class MemoryConnection implements Connection {
  peer!: MemoryConnection;
  private handler: ConnectionHandler | undefined;
  private readonly events: Event[] = [];
  private paused = false;
  private flushing = false;
  private ended = false;
  private closeCalled = false;
  private closeQueued = false;
  private closeDelivered = false;

  constructor(
    readonly localAddr: string,
    readonly remoteAddr: string,
  ) {}

  get closed(): boolean {
    return this.closeCalled || this.closeDelivered;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    this.schedule();
  }

  write(chunk: Uint8Array): boolean {
    if (this.ended || this.closeCalled) throw new ConnectionClosedError(`write on ended ${this.localAddr}`);
    this.peer.push({ kind: 'data', chunk });
    return true;
  }

  end(): void {
    if (this.ended || this.closeCalled) return;
    this.ended = true;
    this.peer.push({ kind: 'end' });
  }

  close(err?: Error): void {
    if (this.closeCalled || this.closeDelivered) return;
    this.closeCalled = true;
    if (err === undefined) {
      this.end();
      this.peer.push({ kind: 'close' });
      this.push({ kind: 'close' });
    } else {
      this.events.length = 0;
      this.peer.push({ kind: 'close', err: new ConnectionResetError(`peer reset: ${err.message}`) });
      this.push({ kind: 'close', err: new ConnectionResetError(err.message) });
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private push(event: Event): void {
    if (this.closeQueued || this.closeDelivered) return;
    if (event.kind === 'close') this.closeQueued = true;
    this.events.push(event);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing || this.handler === undefined) return;
    this.flushing = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    const handler = this.handler;
    if (handler === undefined) return;
    while (this.events.length > 0 && !this.closeDelivered) {
      const event = this.events[0];
      if (this.paused && event.kind !== 'close') return;
      this.events.shift();
      if (event.kind === 'data') handler.onData(event.chunk);
      else if (event.kind === 'end') handler.onEnd?.();
      else {
        this.closeDelivered = true;
        handler.onClose?.(event.err);
      }
    }
  }
}

/** A connected pair: what one side writes, the other reads. */
export function connectionPair(): [Connection, Connection] {
  const a = new MemoryConnection('memory:a', 'memory:b');
  const b = new MemoryConnection('memory:b', 'memory:a');
  a.peer = b;
  b.peer = a;
  return [a, b];
}
