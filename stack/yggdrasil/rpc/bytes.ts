/**
 * Bounds-checked reading and growable writing of big-endian fields. Every read checks the length
 * first and throws TruncatedError, so a decoder built on Reader can never throw a bare RangeError
 * from running off the end of its input.
 */

import { MAX_SAFE_U64, U64_SIZE } from '../constants.js';
import { InvalidFieldError, TrailingBytesError, TruncatedError } from '../errors.js';

export class Reader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) {
      throw new TruncatedError(`${what}: expected ${n} bytes at offset ${this.pos}, got ${this.remaining}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.bytes[this.pos] << 8) | this.bytes[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  /** A u64 that must fit a JS number exactly (<= 2^53-1); larger values are InvalidFieldError. */
  u64(what: string): number {
    this.need(U64_SIZE, what);
    const hi = this.u32(what);
    const lo = this.u32(what);
    const v = hi * 2 ** 32 + lo;
    if (v > MAX_SAFE_U64) throw new InvalidFieldError(`${what}: ${hi}*2^32+${lo} exceeds 2^53-1`);
    return v;
  }

  /** A view of the next n bytes (not a copy: callers that keep it must slice). */
  bytesView(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view of the bytes between two offsets already read (no copy). */
  viewRange(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }

  /** The bytes between two offsets already read, copied (for records kept beyond the message). */
  copyRange(start: number, end: number): Uint8Array {
    return this.bytes.slice(start, end);
  }

  end(what: string): void {
    if (this.remaining !== 0) {
      throw new TrailingBytesError(
        `${what}: ${this.remaining} bytes after the last field at offset ${this.pos}`,
      );
    }
  }
}

export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidFieldError(`u64 field ${v} is not in 0..2^53-1`);
    return this.u32(Math.floor(v / 2 ** 32)).u32(v % 2 ** 32);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  /** The written bytes (a view; the Writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Character codes of HEX: entry 2i and 2i+1 spell byte i. */
const HEX_CODES = Uint8Array.from(HEX.join(''), (c) => c.charCodeAt(0));
const ID_CODES: number[] = new Array(64).fill(0);

/**
 * Lower-case hex. A 32-byte id (the common case: every record decoded names one) becomes one flat
 * string at once; appending two characters at a time made a rope of ~30 cons strings, flattened
 * (copied again) the first time the text was used as a map key.
 */
export function toHex(b: Uint8Array): string {
  if (b.length !== 32) {
    let s = '';
    for (let i = 0; i < b.length; i++) s += HEX[b[i]];
    return s;
  }
  for (let i = 0; i < 32; i++) {
    ID_CODES[2 * i] = HEX_CODES[2 * b[i]];
    ID_CODES[2 * i + 1] = HEX_CODES[2 * b[i] + 1];
  }
  return String.fromCharCode.apply(null, ID_CODES);
}

/** Parse lower- or upper-case hex; throws InvalidFieldError on odd length or a non-hex digit. */
export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s))
    throw new InvalidFieldError(`not a hex string: "${s}"`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
const decoderStrict = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** ASCII/UTF-8 decode that reports bad bytes as InvalidFieldError (never a TypeError). */
export function fromUtf8(b: Uint8Array, what: string): string {
  try {
    return decoderStrict.decode(b);
  } catch {
    throw new InvalidFieldError(`${what}: not valid UTF-8`);
  }
}
