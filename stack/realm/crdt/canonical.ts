/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace. Two equal CRDT states
 * always encode to the same bytes, so a digest of the encoding compares states across replicas.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An object without a prototype: a key such as "__proto__" is an ordinary key here. */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`canonical JSON has no ${value}`);
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Keys of a record in canonical order. */
export function sortedKeys(r: Record<string, unknown>): string[] {
  return Object.keys(r).sort();
}
