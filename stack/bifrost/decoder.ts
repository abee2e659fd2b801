/**
 * Streaming Bifrost decoder (spec: conformance/spec/bifrost.md).
 *
 * Pull-based: push() hands over a chunk without parsing it, next() returns one frame at a time.
 * Pulling lets a reader stop between frames (pause) without the decoder having to give back
 * bytes, and puts an error exactly where it occurs: every frame before a bad header is returned
 * first, then next() throws.
 *
 * Copies: a frame that lies entirely inside one chunk is returned as a subarray view of that
 * chunk (the chunk belongs to the receiver by the Connection contract, so the view may be kept).
 * Only a frame split across chunks is assembled, into a buffer allocated once at its exact size
 * when its header is complete (or, for a reader that borrows payloads, into one buffer reused for
 * every split frame). The only other buffer is the 6-byte header scratch.
 *
 * Header fields are checked as soon as their bytes arrive, in wire order, so the first error is
 * the same for every chunking of the same stream (the conformance vectors rely on it).
 */

import {
  CLOSE_PAYLOAD_SIZE,
  FrameType,
  HEADER_SIZE,
  isFrameType,
  LENGTH_OFFSET,
  MAGIC_0,
  MAGIC_1,
  MAX_PAYLOAD_SIZE,
  TYPE_OFFSET,
  VERSION,
  VERSION_OFFSET,
} from './constants.js';
import {
  BadCloseFrameError,
  BadMagicError,
  BifrostUsageError,
  FrameError,
  FrameTooLargeError,
  TruncatedStreamError,
  UnknownFrameTypeError,
  UnsupportedVersionError,
} from './errors.js';

export interface Frame {
  readonly type: FrameType;
  readonly payload: Uint8Array;
}

export interface FrameDecoderInit {
  /** Reject frames declaring more payload bytes than this (1..65535; default 65535). */
  maxPayloadBytes?: number;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

export class FrameDecoder {
  readonly maxPayloadBytes: number;
  /** Pushed chunks not yet consumed; chunks[head] is read from chunkOffset. */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private chunkOffset = 0;
  private queuedBytes = 0;
  /** Header bytes of the current frame gathered so far, when it straddles chunks. */
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  /** Payload being assembled for a frame split across chunks (exact size), and its type. */
  private partial: Uint8Array | undefined;
  private partialFill = 0;
  private partialType: FrameType = FrameType.HANDSHAKE;
  /** Stream offset of the first byte of the current frame, for error messages. */
  private frameStart = 0;
  private ended = false;
  private failure: FrameError | undefined;
  /** Split frames are assembled in one reused buffer (borrowPayloads()). */
  private borrowed = false;
  private assembly: Uint8Array | undefined;

  constructor(init: FrameDecoderInit = {}) {
    const max = init.maxPayloadBytes ?? MAX_PAYLOAD_SIZE;
    if (!Number.isInteger(max) || max < 1 || max > MAX_PAYLOAD_SIZE) {
      throw new BifrostUsageError(`maxPayloadBytes must be an integer in 1..${MAX_PAYLOAD_SIZE}, got ${max}`);
    }
    this.maxPayloadBytes = max;
  }

  /** The error that poisoned this decoder, if any. */
  get error(): FrameError | undefined {
    return this.failure;
  }

  /** Bytes pushed but not yet returned inside a frame (0 exactly at a frame boundary). */
  get bufferedBytes(): number {
    const partial = this.partial === undefined ? 0 : HEADER_SIZE + this.partialFill;
    return this.queuedBytes + this.headerFill + partial;
  }

  /**
   * From now on a payload is valid only until the next call of next(): a frame split across
   * chunks is assembled in one buffer reused for every such frame, instead of a fresh one each
   * time. For a reader that consumes each payload at once (Veil decrypts it into a new array).
   */
  borrowPayloads(): void {
    this.borrowed = true;
  }

  /** True once borrowPayloads() was called. */
  get borrowing(): boolean {
    return this.borrowed;
  }

  /**
   * Copy the bytes still queued (pushed, not yet returned or assembled) into one array of the
   * decoder's own, so the chunks they came in may be reused by their owner. After it, the decoder
   * references no pushed chunk: split frames are already assembled in memory of its own.
   */
  retainQueued(): void {
    if (this.queuedBytes === 0) {
      this.chunks = [];
      this.head = 0;
      this.chunkOffset = 0;
      return;
    }
    const own = new Uint8Array(this.queuedBytes);
    let at = 0;
    for (let i = this.head; i < this.chunks.length; i++) {
      const chunk = i === this.head ? this.chunks[i].subarray(this.chunkOffset) : this.chunks[i];
      own.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = [own];
    this.head = 0;
    this.chunkOffset = 0;
  }

  /** Hand over the next chunk of the stream. The decoder keeps a reference; do not modify it. */
  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.ended) throw new BifrostUsageError('push() after end(): the stream has already ended');
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
  }

  /**
   * The stream has ended. Frames already complete are still returned by next(); once they are
   * exhausted, next() throws TruncatedStreamError if a partial frame remains. Idempotent.
   */
  end(): void {
    this.ended = true;
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws a FrameError, forever after. */
  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.parse();
    } catch (err) {
      if (err instanceof FrameError) {
        this.failure = err;
        this.chunks = [];
        this.head = 0;
        this.queuedBytes = 0;
        this.partial = undefined;
      }
      throw err;
    }
  }

  /**
   * Every frame available now, in order. On an error it throws and the frames before it are not
   * returned; a reader that must act on them pulls with next() instead.
   */
  drain(): Frame[] {
    const frames: Frame[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) frames.push(f);
    return frames;
  }

  private parse(): Frame | undefined {
    for (;;) {
      if (this.partial !== undefined) return this.fillPartial();
      const chunk = this.currentChunk();
      if (chunk === undefined) return this.atEndOfData();
      const off = this.chunkOffset;
      if (this.headerFill === 0 && chunk.length - off >= HEADER_SIZE) {
        // Fast path: the whole header is in this chunk.
        this.checkHeader(chunk, off, 0, HEADER_SIZE);
        const type = chunk[off + TYPE_OFFSET] as FrameType;
        const length = (chunk[off + LENGTH_OFFSET] << 8) | chunk[off + LENGTH_OFFSET + 1];
        this.consume(HEADER_SIZE);
        const frame = this.startPayload(type, length);
        if (frame !== undefined) return frame;
        continue;
      }
      const n = Math.min(HEADER_SIZE - this.headerFill, chunk.length - off);
      this.header.set(chunk.subarray(off, off + n), this.headerFill);
      this.consume(n);
      this.checkHeader(this.header, 0, this.headerFill, this.headerFill + n);
      this.headerFill += n;
      if (this.headerFill < HEADER_SIZE) continue;
      this.headerFill = 0;
      const length = (this.header[LENGTH_OFFSET] << 8) | this.header[LENGTH_OFFSET + 1];
      const frame = this.startPayload(this.header[TYPE_OFFSET] as FrameType, length);
      if (frame !== undefined) return frame;
    }
  }

  /** After a complete header: return the frame if its payload is in the current chunk, else start buffering. */
  private startPayload(type: FrameType, length: number): Frame | undefined {
    const chunk = this.currentChunk();
    const available = chunk === undefined ? 0 : chunk.length - this.chunkOffset;
    if (chunk !== undefined && available >= length) {
      const payload = chunk.subarray(this.chunkOffset, this.chunkOffset + length);
      this.consume(length);
      return this.complete(type, payload);
    }
    if (length === 0) return this.complete(type, new Uint8Array(0));
    if (this.borrowed) {
      if (this.assembly === undefined || this.assembly.length < length)
        this.assembly = new Uint8Array(length);
      this.partial = this.assembly.subarray(0, length);
    } else {
      this.partial = new Uint8Array(length);
    }
    this.partialFill = 0;
    this.partialType = type;
    return undefined;
  }

  /** Copy queued bytes into the partial payload; return the frame once it is whole. */
  private fillPartial(): Frame | undefined {
    const partial = this.partial!;
    for (;;) {
      const chunk = this.currentChunk();
      if (chunk === undefined) return this.atEndOfData();
      const n = Math.min(partial.length - this.partialFill, chunk.length - this.chunkOffset);
      partial.set(chunk.subarray(this.chunkOffset, this.chunkOffset + n), this.partialFill);
      this.partialFill += n;
      this.consume(n);
      if (this.partialFill === partial.length) {
        this.partial = undefined;
        this.partialFill = 0;
        return this.complete(this.partialType, partial);
      }
    }
  }

  private complete(type: FrameType, payload: Uint8Array): Frame {
    this.frameStart += HEADER_SIZE + payload.length;
    return { type, payload };
  }

  /** No queued bytes left: fine at a frame boundary, truncation if the stream ended mid-frame. */
  private atEndOfData(): undefined {
    if (!this.ended) return undefined;
    if (this.headerFill > 0) {
      throw new TruncatedStreamError(
        `stream ended inside the frame at stream offset ${this.frameStart}: ` +
          `got ${this.headerFill} of ${HEADER_SIZE} header bytes`,
      );
    }
    if (this.partial !== undefined) {
      throw new TruncatedStreamError(
        `stream ended inside the frame at stream offset ${this.frameStart}: ` +
          `got ${this.partialFill} of ${this.partial.length} payload bytes`,
      );
    }
    return undefined;
  }

  private currentChunk(): Uint8Array | undefined {
    while (this.head < this.chunks.length) {
      const chunk = this.chunks[this.head];
      if (this.chunkOffset < chunk.length) return chunk;
      this.head++;
      this.chunkOffset = 0;
    }
    // Everything consumed: drop the references so the chunks can be collected.
    if (this.chunks.length > 0) {
      this.chunks = [];
      this.head = 0;
    }
    return undefined;
  }

  private consume(n: number): void {
    this.chunkOffset += n;
    this.queuedBytes -= n;
  }

  /**
   * Check header bytes [from, to) of the header starting at buf[off]. Each field is checked when
   * its last byte is present; the length checks need the type, which precedes them.
   */
  private checkHeader(buf: Uint8Array, off: number, from: number, to: number): void {
    const at = `in frame at stream offset ${this.frameStart}`;
    for (let i = from; i < to; i++) {
      const b = buf[off + i];
      if (i < 2 && b !== (i === 0 ? MAGIC_0 : MAGIC_1)) {
        const want = i === 0 ? MAGIC_0 : MAGIC_1;
        throw new BadMagicError(`bad magic ${at}: byte ${i} is ${hex(b)}, expected ${hex(want)}`);
      }
      if (i === VERSION_OFFSET && b !== VERSION) {
        throw new UnsupportedVersionError(
          `unsupported version ${b} ${at}: this decoder speaks version ${VERSION}`,
        );
      }
      if (i === TYPE_OFFSET && !isFrameType(b)) {
        throw new UnknownFrameTypeError(
          `unknown frame type ${b} ${at}: expected 1 (HANDSHAKE), 2 (TRANSPORT) or 3 (CLOSE)`,
        );
      }
      if (i === LENGTH_OFFSET + 1) this.checkLength(buf[off + TYPE_OFFSET], (buf[off + i - 1] << 8) | b, at);
    }
  }

  private checkLength(type: number, length: number, at: string): void {
    if (length > this.maxPayloadBytes) {
      throw new FrameTooLargeError(
        `length ${length} ${at} exceeds the limit of ${this.maxPayloadBytes} bytes`,
      );
    }
    if (type === FrameType.CLOSE && length !== CLOSE_PAYLOAD_SIZE) {
      throw new BadCloseFrameError(`CLOSE frame ${at} must carry 1 byte, got length=${length}`);
    }
  }
}

/** Decode a complete stream: every frame, or the first error (including truncation). */
export function decodeFrames(bytes: Uint8Array, init?: FrameDecoderInit): Frame[] {
  const decoder = new FrameDecoder(init);
  decoder.push(bytes);
  decoder.end();
  return decoder.drain();
}
