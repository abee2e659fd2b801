/**
 * NodeID = SHA-256(Ed25519 public key): 32 bytes, uniformly distributed whatever the key, so it
 * serves directly as a Kademlia key and as the source of the node's IPv6 address (address.ts).
 *
 * The canonical text form is 64 lowercase hex characters (conformance/spec/identity.md says why).
 * NodeId is a class rather than a branded Uint8Array so that logging one (JSON, util.inspect,
 * template strings) prints that text instead of {"0":12,"1":255,...}.
 */

import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import { NodeIdError } from './errors.js';
import { bytesToHex, hexProblem, hexToBytes } from './hex.js';

export const NODE_ID_LEN = 32; // bytes: SHA-256 output
export const NODE_ID_TEXT_LEN = 64; // characters of lowercase hex
export const NODE_ID_BITS = 256; // bits; the range of commonPrefixBits()

export class NodeId {
  /** The 32 bytes. Shared, not copied, for speed in distance loops: never modify them. */
  readonly bytes: Uint8Array;
  #text: string | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** A node ID from 32 bytes (copied). Throws NodeIdError for any other length. */
  static fromBytes(bytes: Uint8Array): NodeId {
    if (!(bytes instanceof Uint8Array) || bytes.length !== NODE_ID_LEN) {
      const got = bytes instanceof Uint8Array ? `length=${bytes.length}` : `type=${typeof bytes}`;
      throw new NodeIdError(`node ID: expected Uint8Array of length ${NODE_ID_LEN}, got ${got}`);
    }
    return new NodeId(Uint8Array.from(bytes));
  }

  /** The node ID of an Ed25519 public key: SHA-256 of its 32 bytes. */
  static fromPublicKey(publicKey: Uint8Array, backend: CryptoBackend = defaultCrypto()): NodeId {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
      const got = publicKey instanceof Uint8Array ? `length=${publicKey.length}` : `type=${typeof publicKey}`;
      throw new NodeIdError(`node ID: public key: expected Uint8Array of length 32, got ${got}`);
    }
    return new NodeId(backend.sha256(publicKey));
  }

  /**
   * Parse the canonical text: exactly 64 characters 0-9a-f. Nothing else is accepted (no
   * uppercase, 0x prefix, whitespace or separators), so a node ID has one spelling. Throws
   * NodeIdError, e.g. `node ID: expected 64 lowercase hex characters, got 63`.
   */
  static parse(text: string): NodeId {
    const problem = hexProblem(text, NODE_ID_LEN);
    if (problem !== undefined) throw new NodeIdError(`node ID: ${problem}`);
    const id = new NodeId(hexToBytes(text));
    id.#text = text;
    return id;
  }

  /** The canonical text (64 lowercase hex characters). */
  toString(): string {
    this.#text ??= bytesToHex(this.bytes);
    return this.#text;
  }

  toJSON(): string {
    return this.toString();
  }

  /** What console.log / util.inspect show (the symbol is global: no node:util import needed). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `NodeId(${this.toString()})`;
  }

  equals(other: NodeId): boolean {
    return nodeIdEquals(this, other);
  }
}

export function nodeIdEquals(a: NodeId, b: NodeId): boolean {
  for (let i = 0; i < NODE_ID_LEN; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** Order as unsigned big-endian 256-bit integers (the same order as their text). -1, 0 or 1. */
export function compareNodeIds(a: NodeId, b: NodeId): -1 | 0 | 1 {
  for (let i = 0; i < NODE_ID_LEN; i++) {
    if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] < b.bytes[i] ? -1 : 1;
  }
  return 0;
}

/** Kademlia distance a XOR b, as 32 big-endian bytes (compare them with compareDistances). */
export function xorDistance(a: NodeId, b: NodeId): Uint8Array {
  const out = new Uint8Array(NODE_ID_LEN);
  for (let i = 0; i < NODE_ID_LEN; i++) out[i] = a.bytes[i] ^ b.bytes[i];
  return out;
}

/** Order two distances from xorDistance(): -1 when d1 is closer, 1 when d2 is, 0 when equal. */
export function compareDistances(d1: Uint8Array, d2: Uint8Array): -1 | 0 | 1 {
  for (let i = 0; i < NODE_ID_LEN; i++) if (d1[i] !== d2[i]) return d1[i] < d2[i] ? -1 : 1;
  return 0;
}

/**
 * Which of a and b is closer to target by XOR distance, without allocating: -1 when a is closer,
 * 1 when b is, 0 when a equals b. The sort comparator for "closest nodes to target".
 */
export function compareByDistance(target: NodeId, a: NodeId, b: NodeId): -1 | 0 | 1 {
  for (let i = 0; i < NODE_ID_LEN; i++) {
    const da = a.bytes[i] ^ target.bytes[i];
    const db = b.bytes[i] ^ target.bytes[i];
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}

/**
 * Number of leading bits a and b share (0..256): 256 minus the bit length of their XOR distance,
 * i.e. the Kademlia bucket index of b as seen from a (256 when equal).
 */
export function commonPrefixBits(a: NodeId, b: NodeId): number {
  for (let i = 0; i < NODE_ID_LEN; i++) {
    const x = a.bytes[i] ^ b.bytes[i];
    if (x !== 0) return 8 * i + Math.clz32(x) - 24; // clz32 counts within 32 bits; a byte is the low 8
  }
  return NODE_ID_BITS;
}
