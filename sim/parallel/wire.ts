/**
 * The messages one worker hands another after each step, packed into one ArrayBuffer per
 * destination (transferred, not copied, by postMessage). Every message carries what the receiving
 * worker needs to queue it exactly as the sending worker would have: its time, its key (allocated
 * by the sending node), its kind, and the address and contents (messages.ts).
 *
 * Layout (little-endian): u32 byte length of what follows the header, u32 message count, then
 * messages. Each: u8 type, u8 kind, f64 time ns, f64 key, u32 destination host, then
 *   DATA:    f64 end key, u32 length, bytes
 *   NUMBER:  f64 end key, f64 value (a marker or acknowledgement)
 *   CONTROL: u8 message type, f64 a, f64 b, f64 c, f64 d
 */
import type { NetMessage } from '../messages.js';
import type { ParallelPort } from '../simulation.js';

const HEADER_BYTES = 8; // u32 length + u32 count
const T_DATA = 1;
const T_NUMBER = 2;
const T_CONTROL = 3;
const COMMON_BYTES = 1 + 1 + 8 + 8 + 4; // type, kind, time, key, destination
const INITIAL_BYTES = 4096;

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

/** Messages for one destination worker, for one window. */
export class WireWriter {
  private buf = new ArrayBuffer(INITIAL_BYTES);
  private view = new DataView(this.buf);
  private bytes = new Uint8Array(this.buf);
  private off = HEADER_BYTES;
  count = 0;

  private ensure(n: number): void {
    if (this.off + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.off + n) cap *= 2;
    const next = new ArrayBuffer(cap);
    new Uint8Array(next).set(this.bytes.subarray(0, this.off));
    this.buf = next;
    this.view = new DataView(next);
    this.bytes = new Uint8Array(next);
  }

  private common(type: number, kind: number, timeNs: number, key: number, to: number): void {
    const v = this.view;
    v.setUint8(this.off, type);
    v.setUint8(this.off + 1, kind);
    v.setFloat64(this.off + 2, timeNs, true);
    v.setFloat64(this.off + 10, key, true);
    v.setUint32(this.off + 18, to, true);
    this.off += COMMON_BYTES;
    this.count++;
  }

  arrival(
    timeNs: number,
    key: number,
    kind: number,
    to: number,
    endKey: number,
    arg: Uint8Array | number,
  ): void {
    if (typeof arg === 'number') {
      this.ensure(COMMON_BYTES + 16);
      this.common(T_NUMBER, kind, timeNs, key, to);
      this.view.setFloat64(this.off, endKey, true);
      this.view.setFloat64(this.off + 8, arg, true);
      this.off += 16;
      return;
    }
    this.ensure(COMMON_BYTES + 12 + arg.length);
    this.common(T_DATA, kind, timeNs, key, to);
    this.view.setFloat64(this.off, endKey, true);
    this.view.setUint32(this.off + 8, arg.length, true);
    this.bytes.set(arg, this.off + 12);
    this.off += 12 + arg.length;
  }

  control(timeNs: number, key: number, kind: number, msg: NetMessage): void {
    this.ensure(COMMON_BYTES + 33);
    this.common(T_CONTROL, kind, timeNs, key, msg.to);
    const v = this.view;
    v.setUint8(this.off, msg.type);
    v.setFloat64(this.off + 1, msg.a, true);
    v.setFloat64(this.off + 9, msg.b, true);
    v.setFloat64(this.off + 17, msg.c, true);
    v.setFloat64(this.off + 25, msg.d, true);
    this.off += 33;
  }

  /** The packed messages (ownership passes to the caller), or null if there are none; resets. */
  take(): ArrayBuffer | null {
    if (this.count === 0) return null;
    this.view.setUint32(0, this.off - HEADER_BYTES, true);
    this.view.setUint32(4, this.count, true);
    const out = this.buf;
    this.buf = new ArrayBuffer(Math.max(INITIAL_BYTES, out.byteLength));
    this.view = new DataView(this.buf);
    this.bytes = new Uint8Array(this.buf);
    this.off = HEADER_BYTES;
    this.count = 0;
    return out;
  }
}

/** Queue every message of buf into the worker's simulation. Data chunks are views into buf. */
export function importWire(buf: ArrayBuffer, port: ParallelPort): number {
  if (buf.byteLength < HEADER_BYTES)
    throw new WireFormatError(`expected at least ${HEADER_BYTES} bytes, got ${buf.byteLength}`);
  const v = new DataView(buf);
  const end = HEADER_BYTES + v.getUint32(0, true);
  const count = v.getUint32(4, true);
  if (end > buf.byteLength)
    throw new WireFormatError(`header says ${end} bytes, buffer has ${buf.byteLength}`);
  let off = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (off + COMMON_BYTES > end) throw new WireFormatError(`message ${i} of ${count} is cut off`);
    const type = v.getUint8(off);
    const kind = v.getUint8(off + 1);
    const timeNs = v.getFloat64(off + 2, true);
    const key = v.getFloat64(off + 10, true);
    const to = v.getUint32(off + 18, true);
    off += COMMON_BYTES;
    if (type === T_DATA) {
      const endKey = v.getFloat64(off, true);
      const n = v.getUint32(off + 8, true);
      if (off + 12 + n > end) throw new WireFormatError(`data of message ${i} runs past the end`);
      port.importArrival(timeNs, key, kind, to, endKey, new Uint8Array(buf, off + 12, n));
      off += 12 + n;
    } else if (type === T_NUMBER) {
      port.importArrival(timeNs, key, kind, to, v.getFloat64(off, true), v.getFloat64(off + 8, true));
      off += 16;
    } else if (type === T_CONTROL) {
      port.importControl(
        timeNs,
        key,
        v.getUint8(off),
        to,
        v.getFloat64(off + 1, true),
        v.getFloat64(off + 9, true),
        v.getFloat64(off + 17, true),
        v.getFloat64(off + 25, true),
      );
      off += 33;
    } else {
      throw new WireFormatError(`message ${i}: unknown type ${type}`);
    }
  }
  return count;
}
