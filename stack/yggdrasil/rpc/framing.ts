/**
 * Messages on a Veil stream are length-prefixed: u16 big-endian length, then the message. The
 * stream is already ordered, reliable and encrypted; the prefix only restores message boundaries.
 * A length above the receiver's limit is detected from the two header bytes alone, before any
 * payload is buffered, and is fatal for the stream (its boundaries can no longer be trusted).
 */
import { FRAME_HEADER_SIZE, MAX_MESSAGE_SIZE } from '../constants.js';
import { MessageTooLargeError } from '../errors.js';

export function frame(message: Uint8Array): Uint8Array {
  if (message.length > MAX_MESSAGE_SIZE) {
    throw new MessageTooLargeError(`message of ${message.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  }
  const out = new Uint8Array(FRAME_HEADER_SIZE + message.length);
  out[0] = message.length >>> 8;
  out[1] = message.length & 0xff;
  out.set(message, FRAME_HEADER_SIZE);
  return out;
}

/** Reassembles frames from chunks. Holds at most one partial frame (<= maxSize + 2 bytes). */
export class FrameDecoder {
  private buf = new Uint8Array(0);

  constructor(private readonly maxSize = MAX_MESSAGE_SIZE) {}

  /** Feed a chunk; returns the complete messages it finished. Throws MessageTooLargeError. */
  push(chunk: Uint8Array): Uint8Array[] {
    let data: Uint8Array;
    if (this.buf.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.buf.length + chunk.length);
      data.set(this.buf);
      data.set(chunk, this.buf.length);
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (data.length - at >= FRAME_HEADER_SIZE) {
      const len = (data[at] << 8) | data[at + 1];
      if (len > this.maxSize) throw new MessageTooLargeError(`frame of ${len} bytes exceeds ${this.maxSize}`);
      if (data.length - at - FRAME_HEADER_SIZE < len) break;
      out.push(data.subarray(at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + len));
      at += FRAME_HEADER_SIZE + len;
    }
    // Keep only the unfinished tail, copied so the caller's chunk is not pinned.
    this.buf = at === data.length ? new Uint8Array(0) : data.slice(at);
    return out;
  }

  /** Bytes of an unfinished frame (a stream that ends with these was truncated). */
  get pendingBytes(): number {
    return this.buf.length;
  }
}
