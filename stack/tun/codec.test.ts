import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRelayRequest,
  encodeFrame,
  encodeRelayRequest,
  FRAME_HEADER_LEN,
  FrameReader,
  RELAY_REQUEST_LEN,
} from './codec.js';
import { TunFrameError } from './errors.js';

describe('packet frames', () => {
  it('come back out of any split of the byte stream, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }),
        (packets, cuts) => {
          const stream = Buffer.concat(packets.map((p) => encodeFrame(p, 0)));
          const out: Uint8Array[] = [];
          const r = new FrameReader((p) => out.push(p.slice()));
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length];
            r.push(stream.subarray(at, at + n));
            at += n;
          }
          expect(out.map((p) => Buffer.from(p))).toEqual(packets.map((p) => Buffer.from(p)));
        },
      ),
    );
  });

  it('split across chunks are gathered in one reused buffer, valid during the callback', () => {
    const packets = [new Uint8Array(300).fill(1), new Uint8Array(200).fill(2)];
    const stream = Buffer.concat(packets.map((p) => encodeFrame(p, 0)));
    const seen: { buffer: ArrayBufferLike; copy: Uint8Array }[] = [];
    const r = new FrameReader((p) => seen.push({ buffer: p.buffer, copy: p.slice() }));
    for (let at = 0; at < stream.length; at += 100) r.push(stream.subarray(at, at + 100));
    expect(seen.map((s) => [...new Set(s.copy)])).toEqual([[1], [2]]);
    expect(seen[1].buffer).toBe(seen[0].buffer);
  });

  it('are written in place into the headroom before a packet', () => {
    const buf = new Uint8Array(8 + 100);
    const packet = buf.subarray(8);
    packet.fill(7);
    const frame = encodeFrame(packet, 8);
    expect(frame.buffer).toBe(buf.buffer);
    expect([...frame.subarray(0, FRAME_HEADER_LEN)]).toEqual([1, 0, 0, 100]);
  });

  it('with a bad kind, reserved byte or zero length are refused with TunFrameError', () => {
    for (const bad of [
      [2, 0, 0, 1, 0],
      [1, 1, 0, 1, 0],
      [1, 0, 0, 0],
    ]) {
      expect(() => new FrameReader(() => {}).push(Uint8Array.from(bad))).toThrow(TunFrameError);
    }
  });
});

describe('relay requests', () => {
  const ok = { hopLimit: 8, circuitId: new Uint8Array(16).fill(3), destination: new Uint8Array(15).fill(9) };
  it('round-trip', () => {
    expect(decodeRelayRequest(encodeRelayRequest(ok))).toEqual(ok);
  });
  it('of the wrong size, version or hop limit are refused with TunFrameError', () => {
    const b = encodeRelayRequest(ok);
    expect(() => decodeRelayRequest(b.subarray(0, RELAY_REQUEST_LEN - 1))).toThrow(TunFrameError);
    expect(() => decodeRelayRequest(Uint8Array.of(2, ...b.subarray(1)))).toThrow(TunFrameError);
    expect(() => decodeRelayRequest(Uint8Array.of(1, 0, ...b.subarray(2)))).toThrow(TunFrameError);
    expect(() => decodeRelayRequest(Uint8Array.of(1, 33, ...b.subarray(2)))).toThrow(TunFrameError);
  });
});
