/**
 * The few IPv6 and ICMPv6 facts the TUN layer needs: where the addresses sit in a packet, and how
 * to build a destination-unreachable error (RFC 4443 §3.1) with its checksum (RFC 8200 §8.1).
 * Pure functions over Uint8Array.
 *
 *   IPv6 header (RFC 8200 §3), 40 bytes:
 *   byte 0      version (4 bits, = 6) | traffic class high bits
 *   bytes 4..5  payload length (bytes after the 40-byte header)
 *   byte 6      next header (58 = ICMPv6)
 *   byte 7      hop limit
 *   bytes 8..23 source address, bytes 24..39 destination address
 */
import { Ipv6PacketError } from './errors.js';

export const IPV6_HEADER_LEN = 40; // bytes
export const IPV6_SRC_OFFSET = 8; // source address, 16 bytes
export const IPV6_DST_OFFSET = 24; // destination address, 16 bytes
export const IPV6_MIN_MTU = 1280; // bytes, RFC 8200 §5: every link carries this much
export const NEXT_HEADER_ICMPV6 = 58;
export const ICMPV6_DEST_UNREACHABLE = 1; // type
export const ICMPV6_HEADER_LEN = 8; // type(1) code(1) checksum(2) unused(4)
/** RFC 4443 §3.1 codes. */
export const UnreachableCode = {
  NO_ROUTE: 0,
  ADDRESS_UNREACHABLE: 3,
} as const;
export type UnreachableCode = (typeof UnreachableCode)[keyof typeof UnreachableCode];

/** Throws Ipv6PacketError unless p is an IPv6 packet whose length field matches its size. */
export function checkIpv6(p: Uint8Array): void {
  if (p.length < IPV6_HEADER_LEN)
    throw new Ipv6PacketError(`IPv6 packet: expected at least ${IPV6_HEADER_LEN} bytes, got ${p.length}`);
  if (p[0] >> 4 !== 6) throw new Ipv6PacketError(`IPv6 packet: version ${p[0] >> 4}, expected 6`);
  const payload = (p[4] << 8) | p[5];
  if (payload + IPV6_HEADER_LEN !== p.length)
    throw new Ipv6PacketError(
      `IPv6 packet: payload length field says ${payload} bytes, packet carries ${p.length - IPV6_HEADER_LEN}`,
    );
}

export const srcAddress = (p: Uint8Array): Uint8Array => p.subarray(IPV6_SRC_OFFSET, IPV6_SRC_OFFSET + 16);
export const dstAddress = (p: Uint8Array): Uint8Array => p.subarray(IPV6_DST_OFFSET, IPV6_DST_OFFSET + 16);

/** The 16-bit one's-complement sum of data, folded, added to sum (no final inversion). */
function sum16(data: Uint8Array, sum: number): number {
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** ICMPv6 checksum over the pseudo-header (src, dst, length, next header 58) and the message. */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  let s = sum16(src, 0);
  s = sum16(dst, s);
  s = sum16(
    new Uint8Array([
      (message.length >>> 24) & 0xff,
      (message.length >>> 16) & 0xff,
      (message.length >>> 8) & 0xff,
      message.length & 0xff,
      0,
      0,
      0,
      NEXT_HEADER_ICMPV6,
    ]),
    s,
  );
  s = sum16(message, s);
  const c = ~s & 0xffff;
  return c === 0 ? 0xffff : c;
}

/**
 * The ICMPv6 destination-unreachable answer to `original`, as the host should receive it: from
 * the address it tried to reach (as Yggdrasil does, so the kernel never sees its own address as a
 * source on the way in) to the original source, quoting as much of the original as fits in the
 * minimum MTU (RFC 4443 §3.1).
 */
export function destinationUnreachable(original: Uint8Array, code: UnreachableCode): Uint8Array {
  const quoted = Math.min(original.length, IPV6_MIN_MTU - IPV6_HEADER_LEN - ICMPV6_HEADER_LEN);
  const msgLen = ICMPV6_HEADER_LEN + quoted;
  const out = new Uint8Array(IPV6_HEADER_LEN + msgLen);
  out[0] = 0x60;
  out[4] = msgLen >> 8;
  out[5] = msgLen & 0xff;
  out[6] = NEXT_HEADER_ICMPV6;
  out[7] = 64; // hop limit
  const src = dstAddress(original);
  const dst = srcAddress(original);
  out.set(src, IPV6_SRC_OFFSET);
  out.set(dst, IPV6_DST_OFFSET);
  const msg = out.subarray(IPV6_HEADER_LEN);
  msg[0] = ICMPV6_DEST_UNREACHABLE;
  msg[1] = code;
  msg.set(original.subarray(0, quoted), ICMPV6_HEADER_LEN);
  const c = icmpv6Checksum(src, dst, msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return out;
}

/** True when p is an ICMPv6 error message (type < 128): never answered with another error. */
export function isIcmpv6Error(p: Uint8Array): boolean {
  return p.length > IPV6_HEADER_LEN && p[6] === NEXT_HEADER_ICMPV6 && p[IPV6_HEADER_LEN] < 128;
}
