import { NONCE_LEN, TAG_LEN } from './constants.js';

/**
 * Named errors of the crypto layer. Both backends throw the same classes for the same conditions,
 * so callers (Noise, identity) never depend on which backend is active. Tests check the class.
 */

/** Base class: every error the crypto layer throws on bad input or failed authentication. */
export class CryptoError extends Error {
  override name = 'CryptoError';
}

/**
 * A key, nonce, seed or signature of the wrong length or type. The message is exactly what noble's
 * `abytes` says (`"nonce" expected Uint8Array of length 12, got length=8`), so both backends
 * report size errors identically and a reader who knows noble recognises it.
 */
export class CryptoInputError extends CryptoError {
  override name = 'CryptoInputError';
}

/** X25519 produced the all-zero shared secret: the peer sent a low-order point (RFC 7748 §6.1). */
export class LowOrderPointError extends CryptoError {
  override name = 'LowOrderPointError';
}

/** AEAD open failed: the tag did not verify, or the ciphertext is shorter than a tag. */
export class AeadError extends CryptoError {
  override name = 'AeadError';
}

/**
 * Check that `value` is a Uint8Array of exactly `length` bytes (or any length when omitted).
 * `what` names the argument, quoted as noble does, so a caller can tell which one was wrong.
 */
export function checkBytes(value: unknown, length?: number, what?: string): asserts value is Uint8Array {
  const prefix = what ? `"${what}" ` : '';
  if (!(value instanceof Uint8Array)) {
    throw new CryptoInputError(`${prefix}expected Uint8Array, got type=${typeof value}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new CryptoInputError(
      `${prefix}expected Uint8Array of length ${length}, got length=${value.length}`,
    );
  }
}

/**
 * Check that out has room for `length` bytes at offset (the output of Aead.sealInto); returns the
 * end index. Throws CryptoInputError otherwise.
 */
export function checkOutput(out: unknown, offset: number, length: number): number {
  checkBytes(out, undefined, 'output');
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new CryptoInputError(
      `output: expected room for ${length} bytes at offset ${offset}, got length=${out.length}`,
    );
  }
  return offset + length;
}

/**
 * The input checks of Aead.sealInto (every backend): nonce, plaintext and AD are byte arrays of
 * the right sizes and out has room. Returns the end index of the output; CryptoInputError otherwise.
 */
export function checkSealInput(
  nonce: unknown,
  plaintext: unknown,
  ad: unknown,
  out: unknown,
  offset: number,
): number {
  checkBytes(nonce, NONCE_LEN, 'nonce');
  checkBytes(plaintext, undefined, 'plaintext');
  checkBytes(ad, undefined, 'ad');
  return checkOutput(out, offset, plaintext.length + TAG_LEN);
}

/**
 * The input checks of Aead.open (every backend). open() is the receive path, so every bad input is
 * an AeadError and a caller needs one catch. Returns the plaintext length.
 */
export function checkOpenInput(nonce: unknown, ciphertextAndTag: unknown, ad: unknown): number {
  try {
    checkBytes(nonce, NONCE_LEN, 'nonce');
    checkBytes(ciphertextAndTag, undefined, 'ciphertext');
    checkBytes(ad, undefined, 'ad');
  } catch (err) {
    throw new AeadError((err as Error).message, { cause: err });
  }
  if (ciphertextAndTag.length < TAG_LEN) {
    throw new AeadError(
      `"ciphertext" expected Uint8Array of length >= ${TAG_LEN}, got length=${ciphertextAndTag.length}`,
    );
  }
  return ciphertextAndTag.length - TAG_LEN;
}
