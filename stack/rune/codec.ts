/**
 * Canonical bytes and text. Rune objects are DAG-CBOR (the deterministic CBOR subset IPLD uses:
 * shortest integer forms, definite lengths, map keys sorted length-first then bytewise, no floats
 * where an integer fits). A decoder must accept exactly one encoding per value, and the library's
 * decoder does not check map key order, so decodeCanonical() re-encodes what it decoded and
 * refuses the input unless the bytes are identical: any other spelling of the same value is
 * malformed, which is what makes "the signature covers the bytes" and "the id is the hash of the
 * bytes" mean the same thing.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { ENCODED_MAX_BYTES } from './constants.js';
import { MalformedTokenError } from './errors.js';

export type CborValue = null | number | string | Uint8Array | CborValue[] | { [k: string]: CborValue };

export function encodeCanonical(value: CborValue): Uint8Array {
  return dagCbor.encode(value);
}

/** Decode DAG-CBOR and require that it is the canonical encoding. Throws MalformedTokenError. */
export function decodeCanonical(bytes: Uint8Array, what: string): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedTokenError(`${what}: expected bytes`);
  if (bytes.length > ENCODED_MAX_BYTES) {
    throw new MalformedTokenError(
      `${what}: ${bytes.length} bytes, more than the ${ENCODED_MAX_BYTES} allowed`,
    );
  }
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (err) {
    throw new MalformedTokenError(`${what}: not DAG-CBOR (${(err as Error).message})`);
  }
  let again: Uint8Array;
  try {
    again = dagCbor.encode(value);
  } catch (err) {
    throw new MalformedTokenError(`${what}: not encodable as DAG-CBOR (${(err as Error).message})`);
  }
  if (!bytesEqual(again, bytes)) {
    throw new MalformedTokenError(`${what}: not the canonical DAG-CBOR encoding of its value`);
  }
  return value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** `prefix` followed by unpadded base64url of bytes. */
export function toText(prefix: string, bytes: Uint8Array): string {
  return prefix + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/**
 * The bytes of a text form. Surrounding whitespace is ignored (files end in a newline); anything
 * else that is not exactly `prefix` + canonical unpadded base64url is malformed.
 */
export function fromText(prefix: string, text: string, what: string): Uint8Array {
  const t = text.trim();
  if (!t.startsWith(prefix)) {
    const seen = t.slice(0, Math.min(t.length, prefix.length + 4));
    throw new MalformedTokenError(`${what}: expected text starting with "${prefix}", got "${seen}..."`);
  }
  const body = t.slice(prefix.length);
  if (body.length > Math.ceil((ENCODED_MAX_BYTES * 4) / 3)) {
    throw new MalformedTokenError(`${what}: longer than any ${ENCODED_MAX_BYTES}-byte object's text`);
  }
  if (!BASE64URL.test(body)) {
    throw new MalformedTokenError(
      `${what}: characters outside base64url (A-Z a-z 0-9 - _) after "${prefix}"`,
    );
  }
  const bytes = new Uint8Array(Buffer.from(body, 'base64url'));
  // Base64 has spare bits in its last character; require them to be zero (one text per token).
  if (Buffer.from(bytes).toString('base64url') !== body) {
    throw new MalformedTokenError(`${what}: not canonical base64url (length or trailing bits)`);
  }
  return bytes;
}

// ---- field readers: each throws MalformedTokenError naming the field ----

export type CborMap = Record<string, unknown>;

export function asMap(v: unknown, keys: readonly string[], what: string): CborMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) {
    throw new MalformedTokenError(`${what}: expected a map`);
  }
  const got = Object.keys(v).sort();
  const want = [...keys].sort();
  if (got.length !== want.length || got.some((k, i) => k !== want[i])) {
    throw new MalformedTokenError(
      `${what}: expected exactly the keys ${want.join(', ')}; got ${got.join(', ')}`,
    );
  }
  return v as CborMap;
}

export function asBytes(v: unknown, what: string, len?: { exact?: number; max?: number }): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new MalformedTokenError(`${what}: expected bytes`);
  if (len?.exact !== undefined && v.length !== len.exact) {
    throw new MalformedTokenError(`${what}: expected ${len.exact} bytes, got ${v.length}`);
  }
  if (len?.max !== undefined && v.length > len.max) {
    throw new MalformedTokenError(`${what}: at most ${len.max} bytes, got ${v.length}`);
  }
  return v;
}

export function asUint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new MalformedTokenError(`${what}: expected an integer in 0..2^53-1`);
  }
  return v;
}

export function asText(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new MalformedTokenError(`${what}: expected text`);
  return v;
}

export function asArray(v: unknown, what: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) throw new MalformedTokenError(`${what}: expected a list`);
  if (v.length < min || v.length > max) {
    throw new MalformedTokenError(`${what}: expected ${min}..${max} items, got ${v.length}`);
  }
  return v;
}
