/**
 * DAG-CBOR with one spelling per value: decode, then encode again and require the same bytes.
 * @ipld/dag-cbor decodes strictly (minimal integers, no indefinite lengths, no undefined) but
 * accepts map keys in any order; signatures and CIDs are over bytes, so a second spelling of
 * the same object must be refused, not silently accepted.
 */
import * as dagCbor from '@ipld/dag-cbor';

/** Canonical DAG-CBOR bytes of a value. */
export function encodeCbor(value: unknown): Uint8Array {
  // cborg hands back a Node Buffer, whose slice() is a view, not a copy: give callers a plain one.
  const b = dagCbor.encode(value);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Decode canonical DAG-CBOR; throws what make() builds, with the reason, for anything else
 * (malformed, trailing bytes, non-canonical spelling).
 */
export function decodeCanonical(bytes: Uint8Array, make: (reason: string) => Error): unknown {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (err) {
    throw make(`not DAG-CBOR: ${(err as Error).message}`);
  }
  const again = dagCbor.encode(value);
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
    throw make('not canonical DAG-CBOR (map keys out of order or another spelling of the same value)');
  }
  return value;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
