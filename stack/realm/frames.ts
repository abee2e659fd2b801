/**
 * Realm frames on a stream: u32 big-endian length, then the body. The stream is ordered, reliable
 * and encrypted (Veil); the prefix restores boundaries. An announced length above the receiver's
 * limit is detected from the four header bytes alone and is fatal for the stream. Bodies are
 * decoded with the bounds-checked Reader of stack/yggdrasil; decodeWith() turns its errors into
 * RealmFrameError.
 */
import { Reader } from '../yggdrasil/rpc/bytes.js';
import { RealmFrameError, RealmFrameTooLargeError } from './errors.js';

export const FRAME_HEADER_SIZE = 4; // bytes: u32 length before every frame body

export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, FRAME_HEADER_SIZE);
  return out;
}

/** Reassembles frames from chunks; holds at most one partial frame. */
export class FrameReader {
  private buf = new Uint8Array(0);

  constructor(private readonly maxSize: number) {}

  /** Feed a chunk; returns the bodies it completed. Throws RealmFrameTooLargeError. */
  push(chunk: Uint8Array): Uint8Array[] {
    let data = chunk;
    if (this.buf.length > 0) {
      data = new Uint8Array(this.buf.length + chunk.length);
      data.set(this.buf);
      data.set(chunk, this.buf.length);
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (data.length - at >= FRAME_HEADER_SIZE) {
      const len = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
      if (len > this.maxSize)
        throw new RealmFrameTooLargeError(`frame of ${len} bytes exceeds ${this.maxSize}`);
      if (data.length - at - FRAME_HEADER_SIZE < len) break;
      out.push(data.slice(at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + len));
      at += FRAME_HEADER_SIZE + len;
    }
    this.buf = at === data.length ? new Uint8Array(0) : data.slice(at);
    return out;
  }
}

/** Run a decoder over body; any error it throws becomes a RealmFrameError naming `what`. */
export function decodeWith<T>(body: Uint8Array, what: string, fn: (r: Reader) => T): T {
  try {
    const r = new Reader(body);
    const v = fn(r);
    r.end(what);
    return v;
  } catch (err) {
    if (err instanceof RealmFrameError) throw err;
    throw new RealmFrameError(`${what}: ${(err as Error).message}`);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A u16-length-prefixed UTF-8 string of at most max bytes. */
export function readString(r: Reader, what: string, max: number): string {
  const n = r.u16(what);
  if (n > max) throw new RealmFrameError(`${what}: ${n} bytes exceeds ${max}`);
  try {
    return decoder.decode(r.bytesView(n, what));
  } catch (err) {
    if (err instanceof TypeError) throw new RealmFrameError(`${what}: not UTF-8`);
    throw err;
  }
}
