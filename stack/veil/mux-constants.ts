/**
 * Wire constants and defaults of the Veil stream multiplexer. Normative text:
 * conformance/spec/veil-mux.md.
 *
 *   frame:  offset  size  field
 *           0       1     type
 *           1       4     stream id, u32 big-endian (odd: dialer's streams, even: listener's)
 *           5       2     length, u16 big-endian
 *           7       len   body
 */

export const FRAME_TYPE_OFFSET = 0; // type(1)
export const FRAME_STREAM_ID_OFFSET = 1; // stream id(4)
export const FRAME_LENGTH_OFFSET = 5; // length(2)
export const FRAME_HEADER_SIZE = 7; // type(1) + stream id(4) + length(2)

/** Largest plaintext message: the Noise maximum (65535) minus the 16-byte AEAD tag. */
export const MAX_MESSAGE_SIZE = 65519; // bytes
/** Smallest maxMessageBytes accepted: room for every control frame and a useful amount of DATA. */
export const MIN_MESSAGE_SIZE = 64; // bytes

export const WINDOW_UPDATE_BODY_SIZE = 4; // increment(4)
export const RST_BODY_SIZE = 1; // code(1)
/** An OPEN body is the stream's protocol id: empty (the DHT) or 1..255 bytes of printable ASCII. */
export const MAX_PROTOCOL_ID_LENGTH = 255; // bytes
/** Protocol id bytes: printable ASCII without space, '!' (0x21) .. '~' (0x7e). */
export const PROTOCOL_ID_MIN_BYTE = 0x21;
export const PROTOCOL_ID_MAX_BYTE = 0x7e;
export const WINDOW_UPDATE_FRAME_SIZE = FRAME_HEADER_SIZE + WINDOW_UPDATE_BODY_SIZE; // 11 bytes
export const RST_FRAME_SIZE = FRAME_HEADER_SIZE + RST_BODY_SIZE; // 8 bytes

/** Both windows of a new stream, fixed by the spec so the opener can send before any answer. */
export const INITIAL_WINDOW = 256 * 1024; // bytes
export const MAX_WINDOW = 0xffffffff; // bytes, a window is a u32
export const MAX_STREAM_ID = 0xffffffff;

export const MuxFrameType = {
  OPEN: 1,
  DATA: 2,
  WINDOW_UPDATE: 3,
  FIN: 4,
  RST: 5,
} as const;
export type MuxFrameType = (typeof MuxFrameType)[keyof typeof MuxFrameType];

export const ResetCode = {
  /** The application aborted the stream (close with an error, or its handler threw). */
  CANCEL: 1,
  /** The receiver did not accept the stream: over a stream limit, no acceptor, or an unhandled protocol. */
  REFUSED: 2,
} as const;
export type ResetCode = (typeof ResetCode)[keyof typeof ResetCode];

const FRAME_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MuxFrameType).map(([name, code]) => [code, name]),
);
const RESET_CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ResetCode).map(([name, code]) => [code, name]),
);

export function muxFrameTypeName(type: number): string {
  return FRAME_TYPE_NAMES[type] ?? `UNKNOWN(${type})`;
}

export function resetCodeName(code: number): string {
  return RESET_CODE_NAMES[code] ?? `UNKNOWN(${code})`;
}

// Defaults for MuxInit (implementation choices, not wire constants).
export const DEFAULT_MAX_STREAMS = 1024; // concurrent streams the peer may have open with us
/** write() returns false once this much is queued on a stream and not yet sent. */
export const STREAM_HIGH_WATER_BYTES = 256 * 1024;
/** onDrain fires when the queue falls to this; above zero so the writer refills before the mux idles. */
export const STREAM_LOW_WATER_BYTES = 64 * 1024;
/**
 * Credit is granted back in batches of at least window / GRANT_DIVISOR bytes: half the window, so
 * a bulk transfer costs one WINDOW_UPDATE message (an encryption and a write on each side) per
 * half window, and the sender still has the other half to send while the grant travels.
 */
export const GRANT_DIVISOR = 2;
/**
 * Silly-window avoidance: while more data waits than the window allows, a window below this is
 * not spent on a sliver of DATA; the sender waits for the next grant. Cannot deadlock: the
 * receiver grants once window / GRANT_DIVISOR (>= 128 KiB) is consumed, far above this.
 */
export const MIN_DATA_WINDOW = 4096; // bytes
/** A stream's turn starts only with this much room left in the message, so its OPEN, a grant,
 * some DATA and its FIN fit together: 7 + 11 + (7 + 1) + 7 = 33 bytes, rounded up. */
export const MIN_TURN_ROOM = 64; // bytes
