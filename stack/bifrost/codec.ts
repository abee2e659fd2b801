/**
 * Bifrost encoding: pure functions over Uint8Array (spec: conformance/spec/bifrost.md).
 *
 * encodeHeader() writes only the 6 header bytes, into a buffer the caller may own, so a sender
 * can place a Noise ciphertext right after the header (allocFrame + encrypt into
 * frame.subarray(HEADER_SIZE)) and never concatenate header and payload. encodeFrame() is the
 * convenient one-copy form for small or cold-path frames.
 */

import {
  CLOSE_PAYLOAD_SIZE,
  type CloseReason,
  FrameType,
  HEADER_SIZE,
  isFrameType,
  LENGTH_OFFSET,
  MAGIC_0,
  MAGIC_1,
  MAGIC_OFFSET,
  MAX_PAYLOAD_SIZE,
  TYPE_OFFSET,
  VERSION,
  VERSION_OFFSET,
} from './constants.js';
import {
  BadCloseFrameError,
  BifrostUsageError,
  FrameTooLargeError,
  UnknownFrameTypeError,
} from './errors.js';

/** Throws the error a decoder would throw for this (type, length), so no encoder emits an invalid frame. */
function checkEncodable(type: number, length: number): void {
  if (!isFrameType(type)) {
    throw new UnknownFrameTypeError(
      `cannot encode frame type ${type}: expected 1 (HANDSHAKE), 2 (TRANSPORT) or 3 (CLOSE)`,
    );
  }
  if (!Number.isInteger(length) || length < 0 || length > MAX_PAYLOAD_SIZE) {
    throw new FrameTooLargeError(
      `cannot encode a payload of ${length} bytes: expected an integer in 0..${MAX_PAYLOAD_SIZE}`,
    );
  }
  if (type === FrameType.CLOSE && length !== CLOSE_PAYLOAD_SIZE) {
    throw new BadCloseFrameError(`cannot encode a CLOSE frame with length=${length}: it carries 1 byte`);
  }
}

/**
 * Write the header of a frame of `type` carrying `length` payload bytes into out[offset..offset+6)
 * (a fresh 6-byte array when out is omitted) and return out. The payload is the caller's to
 * place at offset + HEADER_SIZE.
 */
export function encodeHeader(type: FrameType, length: number, out?: Uint8Array, offset = 0): Uint8Array {
  checkEncodable(type, length);
  const buf = out ?? new Uint8Array(HEADER_SIZE);
  if (!Number.isInteger(offset) || offset < 0 || offset + HEADER_SIZE > buf.length) {
    throw new BifrostUsageError(
      `header needs ${HEADER_SIZE} bytes at offset ${offset}, buffer has length=${buf.length}`,
    );
  }
  buf[offset + MAGIC_OFFSET] = MAGIC_0;
  buf[offset + MAGIC_OFFSET + 1] = MAGIC_1;
  buf[offset + VERSION_OFFSET] = VERSION;
  buf[offset + TYPE_OFFSET] = type;
  buf[offset + LENGTH_OFFSET] = length >>> 8;
  buf[offset + LENGTH_OFFSET + 1] = length & 0xff;
  return buf;
}

/**
 * A whole frame of HEADER_SIZE + payloadLength bytes with the header written and the payload
 * zeroed, for the caller to fill in place (frame.subarray(HEADER_SIZE)) before writing it.
 */
export function allocFrame(type: FrameType, payloadLength: number): Uint8Array {
  checkEncodable(type, payloadLength);
  return encodeHeader(type, payloadLength, new Uint8Array(HEADER_SIZE + payloadLength), 0);
}

/** Header and payload in one fresh array (copies the payload once). */
export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {
  const frame = allocFrame(type, payload.length);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/** A CLOSE frame carrying `reason` (0..255; reserved codes are allowed for forward compatibility). */
export function encodeClose(reason: CloseReason | number): Uint8Array {
  if (!Number.isInteger(reason) || reason < 0 || reason > 0xff) {
    throw new BadCloseFrameError(`cannot encode close reason ${reason}: expected an integer in 0..255`);
  }
  return encodeFrame(FrameType.CLOSE, Uint8Array.of(reason));
}

/** The reason code of a CLOSE payload. Unknown codes are returned as they are (spec §3). */
export function decodeCloseReason(payload: Uint8Array): number {
  if (payload.length !== CLOSE_PAYLOAD_SIZE) {
    throw new BadCloseFrameError(`CLOSE payload must be 1 byte, got length=${payload.length}`);
  }
  return payload[0];
}
