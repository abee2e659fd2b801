/**
 * Decides what goes into the next mux message, and lays it out.
 *
 * Order inside a message: control frames first (WINDOW_UPDATE, RST: they unblock or release the
 * peer and cost a few bytes), then streams round-robin, one turn per stream per message. A turn
 * is OPEN (with its protocol id, if not yet sent) + any pending grant + one DATA frame as large as the window and the
 * room left allow + FIN (if the queue empties). A stream still sendable after its turn goes to the
 * back of the line, so a bulk transfer fills at most the rest of one message before a small
 * request on another stream gets its turn (conformance/spec/veil-mux.md §7).
 *
 * Two passes: plan (sizes and order, updating windows and flags), then allocate the message at its
 * exact size and write it, copying DATA straight from the streams' queues. One copy per byte,
 * and no 64 KiB allocation for a 20-byte message. When the sender consumes each message before
 * send() returns (the session does), large messages are all built in one reused buffer: a fresh
 * 64 KiB array per message costs more than the copy into it (zeroing, and garbage to collect).
 */

import { writeFrameHeader, writeU32 } from './mux-codec.js';
import {
  FRAME_HEADER_SIZE,
  MIN_TURN_ROOM,
  MuxFrameType,
  RST_FRAME_SIZE,
  WINDOW_UPDATE_FRAME_SIZE,
} from './mux-constants.js';
import type { MuxStream } from './stream.js';

/** A FIFO with O(1) shift (an index to the head, compacted when half is dead). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  peek(): T {
    return this.items[this.head];
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T {
    const item = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 256 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Entry {
  type: MuxFrameType;
  id: number;
  /** DATA length, WINDOW_UPDATE increment or RST code. */
  value: number;
  stream: MuxStream | undefined;
}

/**
 * Messages at least this large are built in the reused buffer (when reuse is allowed). The buffer
 * is maxMessageBytes (64 KiB) and lives as long as the session, so the threshold keeps it to
 * sessions that move bulk data: at 4 KiB, the DHT's 3-4 KiB answers gave a third of all sessions
 * one, 159 MB at 1,000 simulated nodes (1.6 GB at 10,000).
 */
const REUSE_FROM_BYTES = 16 * 1024;

export interface PlannedMessage {
  message: Uint8Array;
  /** Streams that had a turn: their drain and close may now be due. */
  streams: MuxStream[];
  /** DATA body bytes in the message. */
  dataBytes: number;
}

export class SendScheduler {
  private readonly ready = new Fifo<MuxStream>();
  private readonly grants = new Fifo<MuxStream>();
  private readonly resets = new Fifo<{ id: number; code: number }>();
  private seq = 0;

  /** The one buffer every message is built in, when the sender consumes each message at once. */
  private scratch: Uint8Array | undefined;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly reuseBuffer = false,
  ) {}

  /** Put a stream in the round-robin if it has something to send and is not there yet. */
  wake(stream: MuxStream): void {
    if (stream.inReady || !stream.sendable) return;
    stream.inReady = true;
    this.ready.push(stream);
  }

  queueGrant(stream: MuxStream): void {
    if (stream.grantQueued) return;
    stream.grantQueued = true;
    this.grants.push(stream);
  }

  queueReset(id: number, code: number): void {
    this.resets.push({ id, code });
  }

  clear(): void {
    this.ready.clear();
    this.grants.clear();
    this.resets.clear();
  }

  /** The next message, or undefined when there is nothing to send. */
  next(): PlannedMessage | undefined {
    const seq = ++this.seq;
    const plan: Entry[] = [];
    const streams: MuxStream[] = [];
    let room = this.planControl(plan, this.maxMessageBytes);
    while (this.ready.length > 0 && (plan.length === 0 || room >= MIN_TURN_ROOM)) {
      const stream = this.ready.peek();
      if (stream.retired || !stream.sendable) {
        this.ready.shift().inReady = false;
        continue;
      }
      if (stream.lastTurn === seq) break; // every ready stream has had its turn in this message
      // A long protocol id in the OPEN waits for the next message rather than squeeze the turn.
      if (stream.openPending && plan.length > 0 && room < MIN_TURN_ROOM + stream.protocolBytes.length) break;
      this.ready.shift();
      stream.lastTurn = seq;
      streams.push(stream);
      const { room: left, more } = this.planTurn(stream, plan, room);
      room = left;
      if (more) this.ready.push(stream);
      else stream.inReady = false;
    }
    if (plan.length === 0) return undefined;
    let dataBytes = 0;
    for (const e of plan) if (e.type === MuxFrameType.DATA) dataBytes += e.value;
    return { message: this.write(plan, this.maxMessageBytes - room), streams, dataBytes };
  }

  private planControl(plan: Entry[], room: number): number {
    while (this.grants.length > 0 && room >= WINDOW_UPDATE_FRAME_SIZE) {
      const stream = this.grants.shift();
      stream.grantQueued = false;
      // A stream whose OPEN is still queued gets its grant right after the OPEN, in its turn.
      if (stream.retired || stream.pendingGrant === 0 || stream.openPending) continue;
      room -= this.planGrant(stream, plan);
    }
    while (this.resets.length > 0 && room >= RST_FRAME_SIZE) {
      const { id, code } = this.resets.shift();
      plan.push({ type: MuxFrameType.RST, id, value: code, stream: undefined });
      room -= RST_FRAME_SIZE;
    }
    return room;
  }

  private planGrant(stream: MuxStream, plan: Entry[]): number {
    const increment = stream.pendingGrant;
    plan.push({ type: MuxFrameType.WINDOW_UPDATE, id: stream.id, value: increment, stream });
    stream.recvWindow += increment;
    stream.pendingGrant = 0;
    return WINDOW_UPDATE_FRAME_SIZE;
  }

  /** One turn for one stream; `more` says whether it is still sendable afterwards. */
  private planTurn(stream: MuxStream, plan: Entry[], room: number): { room: number; more: boolean } {
    const id = stream.id;
    if (stream.openPending) {
      stream.openPending = false;
      plan.push({ type: MuxFrameType.OPEN, id, value: stream.protocolBytes.length, stream });
      room -= FRAME_HEADER_SIZE + stream.protocolBytes.length;
      if (stream.pendingGrant > 0 && room >= WINDOW_UPDATE_FRAME_SIZE) room -= this.planGrant(stream, plan);
    }
    const queued = stream.sendQueue.bytes;
    let sent = 0;
    if (stream.canSendData(queued, stream.sendWindow) && room > FRAME_HEADER_SIZE) {
      sent = Math.min(queued, stream.sendWindow, room - FRAME_HEADER_SIZE);
      plan.push({ type: MuxFrameType.DATA, id, value: sent, stream });
      stream.sendWindow -= sent;
      room -= FRAME_HEADER_SIZE + sent;
    }
    const left = queued - sent;
    if (left === 0 && stream.finRequested && !stream.finSent && room >= FRAME_HEADER_SIZE) {
      stream.finSent = true;
      plan.push({ type: MuxFrameType.FIN, id, value: 0, stream });
      room -= FRAME_HEADER_SIZE;
    }
    const finDue = left === 0 && stream.finRequested && !stream.finSent;
    return { room, more: stream.canSendData(left, stream.sendWindow) || finDue };
  }

  private write(plan: Entry[], size: number): Uint8Array {
    // Every byte of out[0, size) is written below, so a reused buffer needs no clearing. Small
    // messages (grants, requests) get their own: the scratch is for the bulk path.
    let out: Uint8Array;
    if (this.reuseBuffer && size >= REUSE_FROM_BYTES) {
      this.scratch ??= new Uint8Array(this.maxMessageBytes);
      out = this.scratch.subarray(0, size);
    } else {
      out = new Uint8Array(size);
    }
    let offset = 0;
    for (const e of plan) {
      switch (e.type) {
        case MuxFrameType.DATA:
          offset = writeFrameHeader(out, offset, e.type, e.id, e.value);
          e.stream!.sendQueue.copyOut(out, offset, e.value);
          offset += e.value;
          break;
        case MuxFrameType.WINDOW_UPDATE:
          offset = writeFrameHeader(out, offset, e.type, e.id, 4);
          writeU32(out, offset, e.value);
          offset += 4;
          break;
        case MuxFrameType.RST:
          offset = writeFrameHeader(out, offset, e.type, e.id, 1);
          out[offset++] = e.value;
          break;
        case MuxFrameType.OPEN:
          offset = writeFrameHeader(out, offset, e.type, e.id, e.value);
          out.set(e.stream!.protocolBytes, offset);
          offset += e.value;
          break;
        default: // FIN: header only
          offset = writeFrameHeader(out, offset, e.type, e.id, 0);
      }
    }
    return out;
  }
}
