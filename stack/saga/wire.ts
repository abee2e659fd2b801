/**
 * The Saga stream protocol's frames (spec section 4). Pure functions over Uint8Array; decoders
 * check lengths first and throw SagaProtocolError with an exact message.
 *
 *   frame   = length(u32 big-endian, of body) body
 *   WANT    = 0x01 count(u8, 1..MAX_WANT) { cidLen(u8) cid }*count
 *   BLOCK   = 0x02 cidLen(u8) cid block...
 *   MISSING = 0x03 cidLen(u8) cid
 *   ERROR   = 0x04 code(u8) reason(UTF-8, the rest, <= MAX_ERROR_TEXT bytes)
 */
import type { CID } from 'multiformats/cid';
import { parseCid } from './cid.js';
import { FRAME_HEADER_SIZE, MAX_CID_SIZE, MAX_ERROR_TEXT, MAX_FRAME_SIZE, MAX_WANT } from './constants.js';
import { CidError, SagaProtocolError } from './errors.js';

export const FrameType = { WANT: 0x01, BLOCK: 0x02, MISSING: 0x03, ERROR: 0x04 } as const;

export const ErrorCode = {
  BAD_REQUEST: 1, // the request was malformed
  REFUSED: 2, // the server will not serve this peer (policy, capability)
  BUSY: 3, // too many requests: try another provider
  INTERNAL: 4, // the server failed (its store did)
} as const;

export type Frame =
  | { type: 'want'; cids: CID[] }
  | { type: 'block'; cid: CID; bytes: Uint8Array }
  | { type: 'missing'; cid: CID }
  | { type: 'error'; code: number; reason: string };

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, FRAME_HEADER_SIZE);
  return out;
}

export function encodeWant(cids: readonly CID[]): Uint8Array {
  if (cids.length < 1 || cids.length > MAX_WANT) {
    throw new SagaProtocolError(`WANT: expected 1..${MAX_WANT} CIDs, got ${cids.length}`);
  }
  const size = 2 + cids.reduce((s, c) => s + 1 + c.bytes.length, 0);
  const body = new Uint8Array(size);
  body[0] = FrameType.WANT;
  body[1] = cids.length;
  let off = 2;
  for (const c of cids) {
    body[off++] = c.bytes.length;
    body.set(c.bytes, off);
    off += c.bytes.length;
  }
  return frame(body);
}

/** A BLOCK frame: header and block in one buffer (one write, one Veil frame sequence). */
export function encodeBlock(cid: CID, bytes: Uint8Array): Uint8Array {
  const body = new Uint8Array(2 + cid.bytes.length + bytes.length);
  body[0] = FrameType.BLOCK;
  body[1] = cid.bytes.length;
  body.set(cid.bytes, 2);
  body.set(bytes, 2 + cid.bytes.length);
  return frame(body);
}

export function encodeMissing(cid: CID): Uint8Array {
  const body = new Uint8Array(2 + cid.bytes.length);
  body[0] = FrameType.MISSING;
  body[1] = cid.bytes.length;
  body.set(cid.bytes, 2);
  return frame(body);
}

export function encodeError(code: number, reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason);
  if (text.length > MAX_ERROR_TEXT) text = text.subarray(0, MAX_ERROR_TEXT);
  const body = new Uint8Array(2 + text.length);
  body[0] = FrameType.ERROR;
  body[1] = code;
  body.set(text, 2);
  return frame(body);
}

/** Read cidLen(u8) cid at off; returns the CID and the offset after it. */
function readCid(body: Uint8Array, off: number, what: string): [CID, number] {
  if (off >= body.length) throw new SagaProtocolError(`${what}: truncated before the CID length`);
  const len = body[off]!;
  if (len === 0 || len > MAX_CID_SIZE) {
    throw new SagaProtocolError(`${what}: CID length ${len} outside 1..${MAX_CID_SIZE}`);
  }
  if (off + 1 + len > body.length) {
    throw new SagaProtocolError(`${what}: CID of ${len} bytes truncated at ${body.length - off - 1}`);
  }
  try {
    return [parseCid(new Uint8Array(body.subarray(off + 1, off + 1 + len))), off + 1 + len];
  } catch (err) {
    if (err instanceof CidError) throw new SagaProtocolError(`${what}: ${err.message}`);
    throw err;
  }
}

/** Decode one frame body (without its length header). */
export function decodeFrame(body: Uint8Array): Frame {
  if (body.length === 0) throw new SagaProtocolError('empty frame');
  switch (body[0]) {
    case FrameType.WANT: {
      if (body.length < 2) throw new SagaProtocolError('WANT: truncated before the count');
      const count = body[1]!;
      if (count < 1 || count > MAX_WANT) {
        throw new SagaProtocolError(`WANT: count ${count} outside 1..${MAX_WANT}`);
      }
      const cids: CID[] = [];
      let off = 2;
      for (let i = 0; i < count; i++) {
        const [cid, next] = readCid(body, off, `WANT cid[${i}]`);
        cids.push(cid);
        off = next;
      }
      if (off !== body.length) throw new SagaProtocolError(`WANT: ${body.length - off} trailing bytes`);
      return { type: 'want', cids };
    }
    case FrameType.BLOCK: {
      const [cid, off] = readCid(body, 1, 'BLOCK');
      return { type: 'block', cid, bytes: body.subarray(off) };
    }
    case FrameType.MISSING: {
      const [cid, off] = readCid(body, 1, 'MISSING');
      if (off !== body.length) throw new SagaProtocolError(`MISSING: ${body.length - off} trailing bytes`);
      return { type: 'missing', cid };
    }
    case FrameType.ERROR: {
      if (body.length < 2) throw new SagaProtocolError('ERROR: truncated before the code');
      if (body.length - 2 > MAX_ERROR_TEXT) {
        throw new SagaProtocolError(`ERROR: reason longer than ${MAX_ERROR_TEXT} bytes`);
      }
      const reason = new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(2));
      return { type: 'error', code: body[1]!, reason };
    }
    default:
      throw new SagaProtocolError(`unknown frame type 0x${body[0]!.toString(16).padStart(2, '0')}`);
  }
}

/**
 * Cuts a byte stream into frame bodies. A length over maxFrameBytes is refused as soon as its
 * header arrives, so a hostile peer cannot make us buffer more than one frame's worth.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_SIZE) {}

  get pendingBytes(): number {
    return this.buffered;
  }

  /** Add bytes; returns the complete frame bodies now available, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_SIZE) return out;
      const head = this.peek(FRAME_HEADER_SIZE);
      const len = new DataView(head.buffer, head.byteOffset, FRAME_HEADER_SIZE).getUint32(0);
      if (len > this.maxFrameBytes) {
        throw new SagaProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (this.buffered < FRAME_HEADER_SIZE + len) return out;
      const all = this.take(FRAME_HEADER_SIZE + len);
      out.push(all.subarray(FRAME_HEADER_SIZE));
    }
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (off === n) break;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - off);
        out.set(c.subarray(0, k), off);
        off += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}
