/**
 * Pure codec for mux messages (conformance/spec/veil-mux.md §1): a message is frames laid end to
 * end, each `type u8 | stream id u32 | length u16 | body`; an OPEN's body is the stream's protocol
 * id (empty for the DHT). decodeMessage() checks every
 * context-free rule for the whole message before returning anything, so the Mux never acts on
 * half of a malformed message. Bodies are subarray views of the message, never copies.
 */

import {
  FRAME_HEADER_SIZE,
  FRAME_LENGTH_OFFSET,
  FRAME_STREAM_ID_OFFSET,
  FRAME_TYPE_OFFSET,
  MAX_MESSAGE_SIZE,
  MAX_PROTOCOL_ID_LENGTH,
  MuxFrameType,
  muxFrameTypeName,
  PROTOCOL_ID_MAX_BYTE,
  PROTOCOL_ID_MIN_BYTE,
  RST_BODY_SIZE,
  WINDOW_UPDATE_BODY_SIZE,
} from './mux-constants.js';
import {
  MuxFlowControlError,
  MuxMessageError,
  MuxProtocolIdError,
  MuxStreamIdError,
  MuxUsageError,
} from './mux-errors.js';

export interface MuxFrame {
  readonly type: MuxFrameType;
  readonly streamId: number;
  /** DATA bytes, the OPEN's protocol id, the WINDOW_UPDATE increment or the RST code; empty for FIN. */
  readonly body: Uint8Array;
}

/** The body length each type requires (DATA: at least 1, OPEN: 0..255, checked separately). */
const FIXED_BODY_LENGTH: Record<number, number> = {
  [MuxFrameType.FIN]: 0,
  [MuxFrameType.WINDOW_UPDATE]: WINDOW_UPDATE_BODY_SIZE,
  [MuxFrameType.RST]: RST_BODY_SIZE,
};

export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/** Write a frame header at out[offset]; returns the offset of the body. */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  type: MuxFrameType,
  streamId: number,
  length: number,
): number {
  out[offset + FRAME_TYPE_OFFSET] = type;
  writeU32(out, offset + FRAME_STREAM_ID_OFFSET, streamId);
  out[offset + FRAME_LENGTH_OFFSET] = length >>> 8;
  out[offset + FRAME_LENGTH_OFFSET + 1] = length & 0xff;
  return offset + FRAME_HEADER_SIZE;
}

/** Check one frame's header against the rules that need no stream state. */
function checkFrame(type: number, streamId: number, body: Uint8Array, at: string): void {
  const fixed = FIXED_BODY_LENGTH[type];
  if (type !== MuxFrameType.DATA && type !== MuxFrameType.OPEN && fixed === undefined) {
    throw new MuxMessageError(`${at}: unknown frame type ${type}`);
  }
  const name = muxFrameTypeName(type);
  if (fixed !== undefined && body.length !== fixed) {
    throw new MuxMessageError(`${at}: ${name} must have length ${fixed}, got length=${body.length}`);
  }
  if (type === MuxFrameType.DATA && body.length === 0) {
    throw new MuxMessageError(`${at}: DATA must carry at least 1 byte, got length=0`);
  }
  if (type === MuxFrameType.OPEN && body.length > MAX_PROTOCOL_ID_LENGTH) {
    throw new MuxMessageError(
      `${at}: OPEN protocol id of ${body.length} bytes, at most ${MAX_PROTOCOL_ID_LENGTH} allowed`,
    );
  }
  if (streamId === 0) throw new MuxStreamIdError(`${at}: ${name} on stream 0, which is reserved`);
  if (type === MuxFrameType.OPEN) checkProtocolIdBytes(body, at);
  if (type === MuxFrameType.WINDOW_UPDATE && readU32(body, 0) === 0) {
    throw new MuxFlowControlError(`${at}: WINDOW_UPDATE on stream ${streamId} with increment 0`);
  }
}

function checkProtocolIdBytes(body: Uint8Array, at: string): void {
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b < PROTOCOL_ID_MIN_BYTE || b > PROTOCOL_ID_MAX_BYTE) {
      throw new MuxProtocolIdError(
        `${at}: OPEN protocol id byte ${i} is 0x${b.toString(16).padStart(2, '0')}, not printable ASCII ('!'..'~')`,
      );
    }
  }
}

/**
 * The wire bytes of a protocol id given by an application: '' (the DHT) or 1..255 printable ASCII
 * characters without space. Anything else is the caller's mistake: MuxUsageError.
 */
export function encodeProtocolId(protocol: string): Uint8Array {
  if (typeof protocol !== 'string' || protocol.length > MAX_PROTOCOL_ID_LENGTH) {
    throw new MuxUsageError(
      `a protocol id is a string of at most ${MAX_PROTOCOL_ID_LENGTH} characters, got ${typeof protocol === 'string' ? `${protocol.length} characters` : typeof protocol}`,
    );
  }
  const bytes = new Uint8Array(protocol.length);
  for (let i = 0; i < protocol.length; i++) {
    const c = protocol.charCodeAt(i);
    if (c < PROTOCOL_ID_MIN_BYTE || c > PROTOCOL_ID_MAX_BYTE) {
      throw new MuxUsageError(
        `protocol id ${JSON.stringify(protocol)}: character ${i} is not printable ASCII ('!'..'~'); use e.g. "/valhalla/saga/1"`,
      );
    }
    bytes[i] = c;
  }
  return bytes;
}

/** The protocol id an OPEN body names (already checked by decodeMessage). */
export function decodeProtocolId(body: Uint8Array): string {
  return body.length === 0 ? '' : String.fromCharCode(...body);
}

/**
 * All frames of a message, or the first rule it breaks: MuxMessageError (size, truncation, type,
 * length), MuxStreamIdError (stream 0), MuxProtocolIdError (an OPEN's protocol id not printable
 * ASCII), MuxFlowControlError (zero increment).
 */
export function decodeMessage(message: Uint8Array, maxMessageBytes: number = MAX_MESSAGE_SIZE): MuxFrame[] {
  if (message.length > maxMessageBytes) {
    throw new MuxMessageError(`message of ${message.length} bytes exceeds the maximum of ${maxMessageBytes}`);
  }
  const frames: MuxFrame[] = [];
  let offset = 0;
  while (offset < message.length) {
    const at = `frame at offset ${offset}`;
    const left = message.length - offset;
    if (left < FRAME_HEADER_SIZE) {
      throw new MuxMessageError(
        `${at}: header needs ${FRAME_HEADER_SIZE} bytes, ${left} left in the message`,
      );
    }
    const type = message[offset + FRAME_TYPE_OFFSET];
    const streamId = readU32(message, offset + FRAME_STREAM_ID_OFFSET);
    const length = (message[offset + FRAME_LENGTH_OFFSET] << 8) | message[offset + FRAME_LENGTH_OFFSET + 1];
    if (length > left - FRAME_HEADER_SIZE) {
      throw new MuxMessageError(
        `${at}: body of ${length} bytes, ${left - FRAME_HEADER_SIZE} left in the message`,
      );
    }
    const bodyStart = offset + FRAME_HEADER_SIZE;
    const body = message.subarray(bodyStart, bodyStart + length);
    checkFrame(type, streamId, body, at);
    frames.push({ type: type as MuxFrameType, streamId, body });
    offset = bodyStart + length;
  }
  return frames;
}

/** One message holding the given frames (tests, vectors, tools; the Mux builds its own in place). */
export function encodeMessage(frames: readonly MuxFrame[]): Uint8Array {
  let size = 0;
  for (const f of frames) size += FRAME_HEADER_SIZE + f.body.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const f of frames) {
    if (f.body.length > 0xffff)
      throw new MuxMessageError(`frame body of ${f.body.length} bytes exceeds 65535`);
    offset = writeFrameHeader(out, offset, f.type, f.streamId, f.body.length);
    out.set(f.body, offset);
    offset += f.body.length;
  }
  return out;
}
