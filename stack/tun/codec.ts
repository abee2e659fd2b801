/**
 * Wire formats of the TUN layer (conformance/spec/tun.md): packet frames on a TUN stream, and the
 * request and status of a relay stream. Pure functions over Uint8Array; decoders check lengths
 * first and throw TunFrameError.
 *
 *   packet frame:   kind u8 (1 = IPv6 packet) | reserved u8 (0) | length u16 BE | packet
 *   relay request:  version u8 (1) | hop limit u8 | circuit id (16) | destination (15: the NodeID
 *                   bytes its address carries)
 *   relay status:   status u8 (RelayStatus)
 */
import { ADDRESS_NODE_ID_LEN } from '../identity/address.js';
import { TunFrameError } from './errors.js';

export const TUN_PROTOCOL = '/valhalla/tun/1';
export const RELAY_PROTOCOL = '/valhalla/tun-relay/1';

export const FRAME_HEADER_LEN = 4; // kind(1) reserved(1) length(2)
export const FRAME_KIND_PACKET = 1;
export const MAX_PACKET_LEN = 0xffff; // bytes, the u16 length; also the largest TUN MTU
export const RELAY_VERSION = 1;
export const CIRCUIT_ID_LEN = 16; // bytes, random per circuit
export const DEST_PREFIX_LEN = ADDRESS_NODE_ID_LEN; // 15 bytes: NodeID bytes 0..14, as in the address
export const RELAY_REQUEST_LEN = 2 + CIRCUIT_ID_LEN + DEST_PREFIX_LEN; // 33 bytes
export const RELAY_STATUS_LEN = 1;
export const MAX_HOP_LIMIT = 32;

export const RelayStatus = {
  /** The circuit reaches the destination: from the next byte on, the stream is spliced to it. */
  OK: 0,
  /** No path to the destination was found from here. */
  UNREACHABLE: 1,
  /** The hop limit ran out before the destination. */
  HOP_LIMIT: 2,
  /** This node already carries (or tried) this circuit: a loop. */
  LOOP: 3,
  /** This node relays too many circuits already. */
  BUSY: 4,
} as const;
export type RelayStatus = (typeof RelayStatus)[keyof typeof RelayStatus];

const STATUS_NAMES = Object.fromEntries(Object.entries(RelayStatus).map(([k, v]) => [v, k]));
export const relayStatusName = (s: number): string => STATUS_NAMES[s] ?? `UNKNOWN(${s})`;

/** Write a packet frame header for a packet of len bytes into out[at..at+4]. */
export function writeFrameHeader(out: Uint8Array, at: number, len: number): void {
  if (len > MAX_PACKET_LEN || len < 1)
    throw new TunFrameError(`packet frame: length ${len} out of range 1..${MAX_PACKET_LEN}`);
  out[at] = FRAME_KIND_PACKET;
  out[at + 1] = 0;
  out[at + 2] = len >> 8;
  out[at + 3] = len & 0xff;
}

/** A packet as one frame: in place when headroom bytes precede it in its buffer, else a copy. */
export function encodeFrame(packet: Uint8Array, headroom: number): Uint8Array {
  if (headroom >= FRAME_HEADER_LEN && packet.byteOffset >= FRAME_HEADER_LEN) {
    const frame = new Uint8Array(
      packet.buffer,
      packet.byteOffset - FRAME_HEADER_LEN,
      packet.length + FRAME_HEADER_LEN,
    );
    writeFrameHeader(frame, 0, packet.length);
    return frame;
  }
  const frame = new Uint8Array(packet.length + FRAME_HEADER_LEN);
  writeFrameHeader(frame, 0, packet.length);
  frame.set(packet, FRAME_HEADER_LEN);
  return frame;
}

/**
 * Cuts a byte stream into packets. Whole frames inside one chunk are handed out as views (no
 * copy); a frame split across chunks is gathered into one buffer, the same one every time (a
 * bulk transfer splits most packets, and a fresh 64 KiB array per packet was a third of the
 * receiver's garbage). So a packet is the callee's only during onPacket: one it keeps, it copies.
 * Throws TunFrameError on a bad kind, reserved byte or zero length; the caller resets the stream.
 */
export class FrameReader {
  private partial: Uint8Array | undefined; // the frame being gathered: a view of `gather`
  private gather: Uint8Array | undefined; // grown to the largest split frame seen, then reused
  private partialFill = 0;
  private head = new Uint8Array(FRAME_HEADER_LEN);
  private headFill = 0;

  constructor(private readonly onPacket: (packet: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.partial) {
        const n = Math.min(this.partial.length - this.partialFill, chunk.length - at);
        this.partial.set(chunk.subarray(at, at + n), this.partialFill);
        this.partialFill += n;
        at += n;
        if (this.partialFill === this.partial.length) {
          const p = this.partial;
          this.partial = undefined;
          this.onPacket(p);
        }
        continue;
      }
      if (this.headFill === 0 && chunk.length - at >= FRAME_HEADER_LEN) {
        const len = checkHeader(chunk, at);
        at += FRAME_HEADER_LEN;
        if (chunk.length - at >= len) {
          this.onPacket(chunk.subarray(at, at + len));
          at += len;
        } else this.startPartial(len);
        continue;
      }
      // The header itself is split across chunks.
      const n = Math.min(FRAME_HEADER_LEN - this.headFill, chunk.length - at);
      this.head.set(chunk.subarray(at, at + n), this.headFill);
      this.headFill += n;
      at += n;
      if (this.headFill === FRAME_HEADER_LEN) {
        this.headFill = 0;
        this.startPartial(checkHeader(this.head, 0));
      }
    }
  }

  private startPartial(len: number): void {
    if (!this.gather || this.gather.length < len) this.gather = new Uint8Array(len);
    this.partial = this.gather.subarray(0, len);
    this.partialFill = 0;
  }
}

function checkHeader(b: Uint8Array, at: number): number {
  if (b[at] !== FRAME_KIND_PACKET) throw new TunFrameError(`packet frame: unknown kind ${b[at]}`);
  if (b[at + 1] !== 0) throw new TunFrameError(`packet frame: reserved byte is ${b[at + 1]}, expected 0`);
  const len = (b[at + 2] << 8) | b[at + 3];
  if (len === 0) throw new TunFrameError('packet frame: length 0');
  return len;
}

export interface RelayRequest {
  hopLimit: number;
  circuitId: Uint8Array;
  /** The first 15 bytes of the destination's NodeID (what its address carries). */
  destination: Uint8Array;
}

export function encodeRelayRequest(r: RelayRequest): Uint8Array {
  if (r.hopLimit < 1 || r.hopLimit > MAX_HOP_LIMIT)
    throw new TunFrameError(`relay request: hop limit ${r.hopLimit} out of range 1..${MAX_HOP_LIMIT}`);
  if (r.circuitId.length !== CIRCUIT_ID_LEN || r.destination.length !== DEST_PREFIX_LEN)
    throw new TunFrameError(
      `relay request: expected a ${CIRCUIT_ID_LEN}-byte circuit id and a ${DEST_PREFIX_LEN}-byte destination`,
    );
  const out = new Uint8Array(RELAY_REQUEST_LEN);
  out[0] = RELAY_VERSION;
  out[1] = r.hopLimit;
  out.set(r.circuitId, 2);
  out.set(r.destination, 2 + CIRCUIT_ID_LEN);
  return out;
}

export function decodeRelayRequest(b: Uint8Array): RelayRequest {
  if (b.length !== RELAY_REQUEST_LEN)
    throw new TunFrameError(`relay request: expected ${RELAY_REQUEST_LEN} bytes, got ${b.length}`);
  if (b[0] !== RELAY_VERSION)
    throw new TunFrameError(`relay request: version ${b[0]}, expected ${RELAY_VERSION}`);
  if (b[1] < 1 || b[1] > MAX_HOP_LIMIT)
    throw new TunFrameError(`relay request: hop limit ${b[1]} out of range 1..${MAX_HOP_LIMIT}`);
  return {
    hopLimit: b[1],
    circuitId: b.slice(2, 2 + CIRCUIT_ID_LEN),
    destination: b.slice(2 + CIRCUIT_ID_LEN),
  };
}
