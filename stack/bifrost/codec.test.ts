import { describe, expect, it } from 'vitest';
import {
  allocFrame,
  BadCloseFrameError,
  BifrostUsageError,
  CloseReason,
  closeReasonName,
  decodeCloseReason,
  decodeFrames,
  encodeClose,
  encodeFrame,
  encodeHeader,
  FrameTooLargeError,
  FrameType,
  frameTypeName,
  HEADER_SIZE,
  MAX_PAYLOAD_SIZE,
  UnknownFrameTypeError,
} from './index.js';

describe('encodeHeader', () => {
  it('writes magic, version, type and big-endian length', () => {
    expect([...encodeHeader(FrameType.TRANSPORT, 0x1234)]).toEqual([0x56, 0x48, 1, 2, 0x12, 0x34]);
  });

  it('writes at an offset into a caller buffer, leaving the rest alone', () => {
    const out = new Uint8Array(10).fill(0xee);
    const ret = encodeHeader(FrameType.HANDSHAKE, 3, out, 2);
    expect(ret).toBe(out);
    expect([...out]).toEqual([0xee, 0xee, 0x56, 0x48, 1, 1, 0, 3, 0xee, 0xee]);
  });

  it('rejects a buffer too small for the header with a usage error', () => {
    expect(() => encodeHeader(FrameType.HANDSHAKE, 0, new Uint8Array(5))).toThrow(BifrostUsageError);
    expect(() => encodeHeader(FrameType.HANDSHAKE, 0, new Uint8Array(8), 3)).toThrow(BifrostUsageError);
    expect(() => encodeHeader(FrameType.HANDSHAKE, 0, new Uint8Array(8), -1)).toThrow(BifrostUsageError);
  });

  it('refuses to encode frames a decoder would reject', () => {
    expect(() => encodeHeader(9 as FrameType, 0)).toThrow(UnknownFrameTypeError);
    expect(() => encodeHeader(FrameType.TRANSPORT, MAX_PAYLOAD_SIZE + 1)).toThrow(FrameTooLargeError);
    expect(() => encodeHeader(FrameType.TRANSPORT, -1)).toThrow(FrameTooLargeError);
    expect(() => encodeHeader(FrameType.TRANSPORT, 1.5)).toThrow(FrameTooLargeError);
    expect(() => encodeHeader(FrameType.CLOSE, 2)).toThrow(BadCloseFrameError);
  });
});

describe('encodeFrame / allocFrame', () => {
  it('round-trips through the decoder, up to the maximum payload', () => {
    const payload = new Uint8Array(MAX_PAYLOAD_SIZE).map((_, i) => i);
    const [frame] = decodeFrames(encodeFrame(FrameType.TRANSPORT, payload));
    expect(frame.type).toBe(FrameType.TRANSPORT);
    expect(frame.payload).toEqual(payload);
    expect(() => encodeFrame(FrameType.TRANSPORT, new Uint8Array(MAX_PAYLOAD_SIZE + 1))).toThrow(
      FrameTooLargeError,
    );
  });

  it('allocFrame leaves room to write the payload in place', () => {
    const frame = allocFrame(FrameType.TRANSPORT, 4);
    frame.subarray(HEADER_SIZE).set([9, 8, 7, 6]);
    expect([...frame]).toEqual([...encodeFrame(FrameType.TRANSPORT, Uint8Array.of(9, 8, 7, 6))]);
  });
});

describe('CLOSE frames', () => {
  it('encode and decode a reason, including reserved codes', () => {
    expect([...encodeClose(CloseReason.HANDSHAKE_FAILED)]).toEqual([0x56, 0x48, 1, 3, 0, 1, 6]);
    const [frame] = decodeFrames(encodeClose(200));
    expect(decodeCloseReason(frame.payload)).toBe(200);
    expect(closeReasonName(200)).toBe('UNKNOWN(200)');
    expect(closeReasonName(CloseReason.FRAME_TOO_LARGE)).toBe('FRAME_TOO_LARGE');
  });

  it('rejects reasons outside a byte and payloads that are not one byte', () => {
    expect(() => encodeClose(256)).toThrow(BadCloseFrameError);
    expect(() => encodeClose(-1)).toThrow(BadCloseFrameError);
    expect(() => decodeCloseReason(new Uint8Array(0))).toThrow(BadCloseFrameError);
    expect(() => decodeCloseReason(new Uint8Array(2))).toThrow(BadCloseFrameError);
  });

  it('names frame types for logs', () => {
    expect(frameTypeName(FrameType.HANDSHAKE)).toBe('HANDSHAKE');
    expect(frameTypeName(7)).toBe('UNKNOWN(7)');
  });
});
