/**
 * Strict lowercase hex, the one text form for node IDs, keys and seeds in Valhalla. Lowercase only,
 * so each value has exactly one spelling (grep finds it, string equality is byte equality).
 */

const DIGITS = '0123456789abcdef';

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += DIGITS[b >> 4] + DIGITS[b & 15];
  return out;
}

/**
 * Why `text` is not exactly `byteLength` bytes of lowercase hex, or undefined when it is. Callers
 * turn the reason into their own error class with their own prefix.
 */
export function hexProblem(text: unknown, byteLength: number): string | undefined {
  if (typeof text !== 'string') return `expected a string, got type=${text === null ? 'null' : typeof text}`;
  const chars = 2 * byteLength;
  if (text.length !== chars) return `expected ${chars} lowercase hex characters, got ${text.length}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isDigit = c >= 0x30 && c <= 0x39;
    const isLower = c >= 0x61 && c <= 0x66;
    if (!isDigit && !isLower) {
      const upper = c >= 0x41 && c <= 0x46 ? ' (uppercase is not canonical)' : '';
      return `invalid character ${JSON.stringify(text[i])} at index ${i}: expected 0-9 or a-f${upper}`;
    }
  }
  return undefined;
}

/** Decode hex that hexProblem() accepted. */
export function hexToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
