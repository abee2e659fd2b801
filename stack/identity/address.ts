/**
 * The IPv6 address of a node, derived from its NodeID so that an address names a key (as in
 * Yggdrasil, but by hash: see conformance/spec/identity.md).
 *
 * Bit layout (128 bits, big-endian, byte i = bits 8i..8i+7):
 *
 *   byte:   0    1    2    3   ...   15
 *         +----+----+----+----+-...-+----+
 *         | fd | n0 | n1 | n2 | ... | n14|     n_i = byte i of the NodeID (SHA-256 of the key)
 *         +----+----+----+----+-...-+----+
 *   bits 0..7     0xfd: fd00::/8, the "locally assigned" half of RFC 4193 unique local addresses
 *   bits 8..127   NodeID bits 0..119 (its first 15 bytes); NodeID bits 120..255 are not in it
 *
 * So the address text after "fd" spells the start of the NodeID text, which makes the two easy to
 * match by eye (modulo RFC 5952's zero compression). 120 bits are not the whole NodeID: an
 * address is a routing hint, and the full NodeID (the peer's key) must be checked after the
 * handshake. Finding a key for a chosen address still takes ~2^120 hashes.
 */

import { NodeAddressError } from './errors.js';
import type { NodeId } from './node-id.js';

export const ADDRESS_LEN = 16; // bytes of an IPv6 address
export const ADDRESS_PREFIX_BYTE = 0xfd; // byte 0: fd00::/8
export const ADDRESS_NODE_ID_LEN = 15; // bytes of the NodeID carried in bytes 1..15
const GROUPS = 8; // 16-bit groups in IPv6 text

/** The 16 address bytes of a node: 0xfd followed by NodeID bytes 0..14. */
export function nodeIdToAddressBytes(nodeId: NodeId): Uint8Array {
  const out = new Uint8Array(ADDRESS_LEN);
  out[0] = ADDRESS_PREFIX_BYTE;
  out.set(nodeId.bytes.subarray(0, ADDRESS_NODE_ID_LEN), 1);
  return out;
}

/** The address of a node in RFC 5952 canonical text, e.g. "fd2f:81a0:e3...". */
export function nodeIdToAddress(nodeId: NodeId): string {
  return formatIpv6(nodeIdToAddressBytes(nodeId));
}

/** True when addr (text or 16 bytes) is in fd00::/8, the range node addresses live in. */
export function isNodeAddress(addr: string | Uint8Array): boolean {
  return toAddressBytes(addr)[0] === ADDRESS_PREFIX_BYTE;
}

/**
 * The 15 NodeID bytes an address carries (its bytes 1..15). Throws NodeAddressError when addr is
 * malformed or not in fd00::/8.
 */
export function addressToNodeIdPrefix(addr: string | Uint8Array): Uint8Array {
  const bytes = toAddressBytes(addr);
  if (bytes[0] !== ADDRESS_PREFIX_BYTE) {
    throw new NodeAddressError(`address ${formatIpv6(bytes)} is not in fd00::/8`);
  }
  return bytes.slice(1);
}

/**
 * True when addr is nodeId's address: fd00::/8 and bytes 1..15 equal NodeID bytes 0..14. False
 * for any other well-formed address; NodeAddressError when addr is malformed.
 */
export function addressPrefixMatches(addr: string | Uint8Array, nodeId: NodeId): boolean {
  const bytes = toAddressBytes(addr);
  if (bytes[0] !== ADDRESS_PREFIX_BYTE) return false;
  for (let i = 0; i < ADDRESS_NODE_ID_LEN; i++) if (bytes[i + 1] !== nodeId.bytes[i]) return false;
  return true;
}

function toAddressBytes(addr: string | Uint8Array): Uint8Array {
  if (typeof addr === 'string') return parseIpv6(addr);
  if (addr instanceof Uint8Array && addr.length === ADDRESS_LEN) return addr;
  const got = addr instanceof Uint8Array ? `length=${addr.length}` : `type=${typeof addr}`;
  throw new NodeAddressError(`IPv6 address: expected Uint8Array of length ${ADDRESS_LEN}, got ${got}`);
}

/**
 * RFC 5952 §4 canonical text: lowercase hex, no leading zeros in a group, the longest run of two
 * or more all-zero groups (the first one on a tie) replaced by "::", a single zero group kept.
 */
export function formatIpv6(bytes: Uint8Array): string {
  toAddressBytes(bytes); // throws NodeAddressError unless 16 bytes
  const groups: number[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1; // a run must be at least 2 groups long to be compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < GROUPS && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, GROUPS);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, GROUPS)}`;
}

/**
 * Parse IPv6 text in any RFC 4291 §2.2 form of hex groups (upper or lower case, leading zeros,
 * one "::"). Refused with NodeAddressError: an embedded dotted IPv4 tail, a zone ("%eth0"),
 * brackets or a port, which never occur in node addresses and belong to the caller to strip.
 */
export function parseIpv6(text: string): Uint8Array {
  const fail = (why: string): never => {
    throw new NodeAddressError(`IPv6 address ${JSON.stringify(text)}: ${why}`);
  };
  if (typeof text !== 'string') fail(`expected a string, got type=${typeof text}`);
  if (text.length > 39) fail(`too long (${text.length} characters, at most 39)`);
  const halves = text.split('::');
  if (halves.length > 2) fail('"::" appears more than once');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g))
            fail(`invalid group ${JSON.stringify(g)}: expected 1-4 hex digits`);
          return Number.parseInt(g, 16);
        });
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (halves.length === 1 && head.length !== GROUPS) fail(`expected 8 groups, got ${head.length}`);
  if (halves.length === 2 && head.length + tail.length > GROUPS - 1) {
    fail(`"::" must stand for at least one group, but ${head.length + tail.length} groups are given`);
  }
  const groups = [...head, ...new Array<number>(GROUPS - head.length - tail.length).fill(0), ...tail];
  const out = new Uint8Array(ADDRESS_LEN);
  for (const [i, g] of groups.entries()) {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}
