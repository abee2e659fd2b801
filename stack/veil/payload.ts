/**
 * The Veil handshake payload: what each side puts inside its encrypted Noise payload (message 2
 * from the responder, message 3 from the initiator) to bind its Noise static key to its Ed25519
 * identity. Normative text: conformance/spec/veil.md §4. Pure functions over bytes.
 *
 *   offset  size  field
 *   0       1     version = 1
 *   1       32    identity key: Ed25519 public key
 *   33      64    signature: Ed25519(identity, "valhalla-veil-static-key:" || noise static public key)
 *   97      ...   extensions, each: type u16 BE, length u16 BE, value; strictly ascending type
 *
 * Extension types with the top bit set are critical: a receiver that does not know one must
 * refuse the handshake; unknown non-critical ones are skipped. Known types:
 *   0x0001 listen addresses: repeated (u8 length, UTF-8 "host:port"), 1..16 entries
 *   0x8001 rekey interval: u32 BE, the number of transport messages the sender sends per key
 */

import { HandshakePayloadError } from './errors.js';

export const PAYLOAD_VERSION = 1;
export const IDENTITY_KEY_LEN = 32; // bytes, Ed25519 public key
export const SIGNATURE_LEN = 64; // bytes, Ed25519 signature
export const PAYLOAD_FIXED_LEN = 1 + IDENTITY_KEY_LEN + SIGNATURE_LEN; // 97 bytes before the extensions
export const EXTENSION_HEADER_LEN = 4; // bytes: type u16 + length u16
export const CRITICAL_EXTENSION_BIT = 0x8000;
export const EXT_LISTEN_ADDRS = 0x0001;
export const EXT_REKEY_INTERVAL = 0x8001;
export const REKEY_INTERVAL_LEN = 4; // bytes, u32 BE
export const MAX_LISTEN_ADDRS = 16; // entries
export const MAX_LISTEN_ADDR_LEN = 255; // bytes of UTF-8 per entry (u8 length)
/** Domain separation: this signature can never be mistaken for one the identity makes elsewhere. */
export const STATIC_KEY_SIGNATURE_PREFIX = 'valhalla-veil-static-key:';

export interface HandshakePayload {
  /** The sender's Ed25519 public key; its NodeID is SHA-256 of these 32 bytes. */
  identityKey: Uint8Array;
  /** Signature by identityKey over staticKeyBindingMessage(sender's Noise static key). */
  signature: Uint8Array;
  /** Where the sender accepts connections (extension 0x0001); empty when absent. */
  listenAddrs: string[];
  /** Messages the sender encrypts per key before it rekeys (extension 0x8001), if present. */
  rekeyAfterMessages?: number;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const PREFIX_BYTES = utf8Encoder.encode(STATIC_KEY_SIGNATURE_PREFIX);

/** The message the identity key signs: the prefix's ASCII bytes followed by the 32-byte static key. */
export function staticKeyBindingMessage(noiseStaticPublicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES.length + noiseStaticPublicKey.length);
  out.set(PREFIX_BYTES);
  out.set(noiseStaticPublicKey, PREFIX_BYTES.length);
  return out;
}

export function encodePayload(p: HandshakePayload): Uint8Array {
  if (p.identityKey.length !== IDENTITY_KEY_LEN || p.signature.length !== SIGNATURE_LEN) {
    throw new HandshakePayloadError(
      `expected a ${IDENTITY_KEY_LEN}-byte identity key and ${SIGNATURE_LEN}-byte signature, got ${p.identityKey.length} and ${p.signature.length}`,
    );
  }
  const extensions: Uint8Array[] = [];
  if (p.listenAddrs.length > 0)
    extensions.push(extension(EXT_LISTEN_ADDRS, encodeListenAddrs(p.listenAddrs)));
  if (p.rekeyAfterMessages !== undefined) {
    checkRekeyInterval(p.rekeyAfterMessages);
    const value = new Uint8Array(REKEY_INTERVAL_LEN);
    new DataView(value.buffer).setUint32(0, p.rekeyAfterMessages);
    extensions.push(extension(EXT_REKEY_INTERVAL, value));
  }
  let length = PAYLOAD_FIXED_LEN;
  for (const e of extensions) length += e.length;
  const out = new Uint8Array(length);
  out[0] = PAYLOAD_VERSION;
  out.set(p.identityKey, 1);
  out.set(p.signature, 1 + IDENTITY_KEY_LEN);
  let offset = PAYLOAD_FIXED_LEN;
  for (const e of extensions) {
    out.set(e, offset);
    offset += e.length;
  }
  return out;
}

/** Parse and validate a payload. Throws HandshakePayloadError with the exact reason. */
export function decodePayload(bytes: Uint8Array): HandshakePayload {
  if (bytes.length < PAYLOAD_FIXED_LEN) {
    throw new HandshakePayloadError(
      `payload: expected at least ${PAYLOAD_FIXED_LEN} bytes, got length=${bytes.length}`,
    );
  }
  if (bytes[0] !== PAYLOAD_VERSION) {
    throw new HandshakePayloadError(`payload: unsupported version ${bytes[0]}, expected ${PAYLOAD_VERSION}`);
  }
  const payload: HandshakePayload = {
    identityKey: bytes.slice(1, 1 + IDENTITY_KEY_LEN),
    signature: bytes.slice(1 + IDENTITY_KEY_LEN, PAYLOAD_FIXED_LEN),
    listenAddrs: [],
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PAYLOAD_FIXED_LEN;
  let previousType = -1;
  while (offset < bytes.length) {
    if (bytes.length - offset < EXTENSION_HEADER_LEN) {
      throw new HandshakePayloadError(`payload: truncated extension header at offset ${offset}`);
    }
    const type = view.getUint16(offset);
    const length = view.getUint16(offset + 2);
    const start = offset + EXTENSION_HEADER_LEN;
    if (bytes.length - start < length) {
      throw new HandshakePayloadError(
        `payload: extension 0x${hex16(type)} at offset ${offset} claims ${length} bytes, ${bytes.length - start} remain`,
      );
    }
    // Ascending order makes the encoding canonical and rules out duplicates with one comparison.
    if (type <= previousType) {
      throw new HandshakePayloadError(`payload: extension 0x${hex16(type)} out of order or repeated`);
    }
    previousType = type;
    applyExtension(payload, type, bytes.subarray(start, start + length));
    offset = start + length;
  }
  return payload;
}

function applyExtension(payload: HandshakePayload, type: number, value: Uint8Array): void {
  if (type === EXT_LISTEN_ADDRS) {
    payload.listenAddrs = decodeListenAddrs(value);
  } else if (type === EXT_REKEY_INTERVAL) {
    if (value.length !== REKEY_INTERVAL_LEN) {
      throw new HandshakePayloadError(
        `payload: rekey interval: expected ${REKEY_INTERVAL_LEN} bytes, got length=${value.length}`,
      );
    }
    const interval = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0);
    checkRekeyInterval(interval);
    payload.rekeyAfterMessages = interval;
  } else if (type & CRITICAL_EXTENSION_BIT) {
    throw new HandshakePayloadError(`payload: unknown critical extension 0x${hex16(type)}`);
  }
  // Unknown non-critical extensions are ignored: that is what lets later versions add them.
}

function encodeListenAddrs(addrs: string[]): Uint8Array {
  if (addrs.length > MAX_LISTEN_ADDRS) {
    throw new HandshakePayloadError(`listen addresses: at most ${MAX_LISTEN_ADDRS}, got ${addrs.length}`);
  }
  const encoded = addrs.map((a) => utf8Encoder.encode(a));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 1 + e.length, 0));
  let offset = 0;
  for (const e of encoded) {
    if (e.length === 0 || e.length > MAX_LISTEN_ADDR_LEN) {
      throw new HandshakePayloadError(
        `listen address: expected 1..${MAX_LISTEN_ADDR_LEN} bytes, got ${e.length}`,
      );
    }
    out[offset] = e.length;
    out.set(e, offset + 1);
    offset += 1 + e.length;
  }
  return out;
}

function decodeListenAddrs(value: Uint8Array): string[] {
  const addrs: string[] = [];
  let offset = 0;
  while (offset < value.length) {
    const length = value[offset];
    if (length === 0 || value.length - offset - 1 < length) {
      throw new HandshakePayloadError(
        `payload: listen addresses: bad entry length ${length} at offset ${offset}`,
      );
    }
    if (addrs.length === MAX_LISTEN_ADDRS) {
      throw new HandshakePayloadError(`payload: listen addresses: more than ${MAX_LISTEN_ADDRS}`);
    }
    try {
      addrs.push(utf8Decoder.decode(value.subarray(offset + 1, offset + 1 + length)));
    } catch {
      throw new HandshakePayloadError(`payload: listen addresses: entry at offset ${offset} is not UTF-8`);
    }
    offset += 1 + length;
  }
  if (addrs.length === 0) throw new HandshakePayloadError('payload: listen addresses: empty extension');
  return addrs;
}

function extension(type: number, value: Uint8Array): Uint8Array {
  if (value.length > 0xffff) throw new HandshakePayloadError(`extension 0x${hex16(type)}: value too long`);
  const out = new Uint8Array(EXTENSION_HEADER_LEN + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, type);
  view.setUint16(2, value.length);
  out.set(value, EXTENSION_HEADER_LEN);
  return out;
}

function checkRekeyInterval(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new HandshakePayloadError(`rekey interval: expected an integer in 1..2^32-1, got ${n}`);
  }
}

function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}
