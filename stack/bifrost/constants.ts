/**
 * Bifrost wire constants. Normative text: conformance/spec/bifrost.md.
 *
 *   offset  size  field
 *   0       2     magic    = 0x56 0x48 ("VH")
 *   2       1     version  = 1
 *   3       1     type     (FrameType)
 *   4       2     length   u16 big-endian, payload bytes
 *   6       len   payload
 */

export const MAGIC_0 = 0x56; // 'V', first byte of every frame
export const MAGIC_1 = 0x48; // 'H', second byte of every frame
export const VERSION = 1; // the only version this code speaks

export const MAGIC_OFFSET = 0; // magic(2)
export const VERSION_OFFSET = 2; // version(1)
export const TYPE_OFFSET = 3; // type(1)
export const LENGTH_OFFSET = 4; // length(2), big-endian
export const HEADER_SIZE = 6; // magic(2) + version(1) + type(1) + length(2)

/** Largest payload: the u16 length field, which is also the Noise maximum message size. */
export const MAX_PAYLOAD_SIZE = 65535; // bytes
export const MAX_FRAME_SIZE = HEADER_SIZE + MAX_PAYLOAD_SIZE; // 65541 bytes
export const CLOSE_PAYLOAD_SIZE = 1; // reason(1)

/** Frame types (spec §2). 0 and 4..255 are reserved and rejected. */
export const FrameType = {
  HANDSHAKE: 1, // one Noise handshake message
  TRANSPORT: 2, // one Noise transport message
  CLOSE: 3, // a close reason in clear, only before transport keys exist
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Close reason codes carried by a CLOSE frame (spec §3). Others are reserved but accepted. */
export const CloseReason = {
  UNSUPPORTED_VERSION: 1,
  UNKNOWN_FRAME_TYPE: 2,
  FRAME_TOO_LARGE: 3,
  BAD_CLOSE_FRAME: 4,
  UNEXPECTED_FRAME: 5,
  /** Every handshake failure, whatever its cause: a detailed reason would be an oracle (spec §3.1). */
  HANDSHAKE_FAILED: 6,
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

const FRAME_TYPE_NAMES: Record<number, string> = { 1: 'HANDSHAKE', 2: 'TRANSPORT', 3: 'CLOSE' };
const CLOSE_REASON_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CloseReason).map(([name, code]) => [code, name]),
);

export function isFrameType(type: number): type is FrameType {
  return type === FrameType.HANDSHAKE || type === FrameType.TRANSPORT || type === FrameType.CLOSE;
}

/** "HANDSHAKE", ... or "UNKNOWN(9)"; for logs and messages. */
export function frameTypeName(type: number): string {
  return FRAME_TYPE_NAMES[type] ?? `UNKNOWN(${type})`;
}

/** "HANDSHAKE_FAILED", ... or "UNKNOWN(200)" for reserved codes a newer peer may send. */
export function closeReasonName(code: number): string {
  return CLOSE_REASON_NAMES[code] ?? `UNKNOWN(${code})`;
}
