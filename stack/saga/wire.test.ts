/** The stream frames: round trips, and malformed input refused with SagaProtocolError. */
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { cidOf } from './cid.js';
import { MAX_WANT } from './constants.js';
import { SagaProtocolError } from './errors.js';
import { decodeFrame, encodeBlock, encodeError, encodeMissing, encodeWant, FrameReader } from './wire.js';

const crypto = defaultCrypto();
const cid = cidOf(crypto, new Uint8Array([1, 2, 3]));
const body = (frame: Uint8Array) => frame.subarray(4);

describe('Saga frames', () => {
  it('round trip every frame type, also when the stream splits them byte by byte', () => {
    const frames = [
      encodeWant([cid, cid]),
      encodeBlock(cid, new Uint8Array([9, 9])),
      encodeMissing(cid),
      encodeError(2, 'no'),
    ];
    const all = Uint8Array.from(frames.flatMap((f) => [...f]));
    const reader = new FrameReader();
    const out: Uint8Array[] = [];
    for (const b of all) out.push(...reader.push(Uint8Array.of(b)));
    expect(out.map((b) => decodeFrame(b).type)).toEqual(['want', 'block', 'missing', 'error']);
    const block = decodeFrame(out[1]!);
    expect(block.type === 'block' && [...block.bytes]).toEqual([9, 9]);
    const err = decodeFrame(out[3]!);
    expect(err.type === 'error' && [err.code, err.reason]).toEqual([2, 'no']);
  });

  it('refuses malformed frames', () => {
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['unknown type', Uint8Array.of(0x09)],
      ['WANT without count', Uint8Array.of(0x01)],
      ['WANT count 0', Uint8Array.of(0x01, 0)],
      ['WANT count too large', Uint8Array.of(0x01, MAX_WANT + 1)],
      ['WANT truncated CID', Uint8Array.of(0x01, 1, 36, 1, 0x55)],
      ['WANT trailing bytes', Uint8Array.from([...body(encodeWant([cid])), 0])],
      ['WANT CID length 0', Uint8Array.of(0x01, 1, 0)],
      ['BLOCK with a non-CID', Uint8Array.of(0x02, 3, 1, 2, 3, 4)],
      ['MISSING trailing', Uint8Array.from([...body(encodeMissing(cid)), 1])],
      ['ERROR truncated', Uint8Array.of(0x04)],
    ];
    for (const [what, b] of bad) expect(() => decodeFrame(b), what).toThrow(SagaProtocolError);
  });

  it('a length over the limit is refused as soon as the header arrives', () => {
    const reader = new FrameReader(100);
    expect(() => reader.push(Uint8Array.of(0, 0, 0, 101))).toThrow(SagaProtocolError);
  });

  it('WANT of no CIDs or too many cannot be encoded', () => {
    expect(() => encodeWant([])).toThrow(SagaProtocolError);
    expect(() => encodeWant(Array(MAX_WANT + 1).fill(cid))).toThrow(SagaProtocolError);
  });
});
