/**
 * ChaCha20-Poly1305 from the OpenSSL that Node itself is linked with, called directly (koffi FFI
 * to the EVP functions the node binary exports) instead of through node:crypto's Cipher objects.
 * Same library, same code, byte-identical output; what goes is the per-message overhead of the
 * node:crypto API, which dominates a 64 KiB message (measured here, Node 20.20, one core):
 *
 *   | message | node:crypto seal | this seal |
 *   | 64 B    | 4.5 us           | 1.1 us    |
 *   | 64 KiB  | 31-39 us         | 20-21 us  |
 *
 * node:crypto makes a Cipher object per message (an EVP_CIPHER_CTX, a cipher fetch by name, a JS
 * wrapper for the GC to track) and returns its output in a fresh, zero-filled array. Here one
 * EVP_CIPHER_CTX serves every key in the process: each call passes its key and nonce, and the
 * output goes where the caller says (sealInto: straight behind a frame header). Calls are
 * synchronous and JavaScript is single-threaded, so sharing the context is safe.
 *
 * Pure computation like the rest of stack/crypto: no I/O, no randomness, no clock. Availability is
 * decided once: koffi must load, the node binary must export the EVP symbols (a Node linked
 * against a shared libcrypto may not), and a known answer must match node:crypto's; otherwise
 * openSslAead() returns undefined and callers keep node:crypto.
 */

import { createCipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { KEY_LEN, NONCE_LEN, TAG_LEN } from './constants.js';
import {
  AeadError,
  CryptoInputError,
  checkBytes,
  checkOpenInput,
  checkOutput,
  checkSealInput,
} from './errors.js';
import type { Aead } from './types.js';

const EVP_CTRL_AEAD_GET_TAG = 0x10; // openssl/evp.h
const EVP_CTRL_AEAD_SET_TAG = 0x11; // openssl/evp.h
const ENCRYPT = 1;
const DECRYPT = 0;
/**
 * Plaintexts from this size up are returned in uninitialised memory (every byte is then written
 * by the decryption): zero-filling 64 KiB first costs ~2 us. Smaller ones use a plain array.
 */
const UNINITIALISED_FROM_BYTES = 4096;

type Ptr = unknown; // an opaque native pointer, as koffi hands it out

interface Evp {
  ctx: Ptr;
  init(
    ctx: Ptr,
    cipher: Ptr,
    engine: null,
    key: Uint8Array | null,
    iv: Uint8Array | null,
    enc: number,
  ): number;
  update(ctx: Ptr, out: Uint8Array | null, outl: Int32Array, input: Uint8Array, inl: number): number;
  final(ctx: Ptr, out: Uint8Array, outl: Int32Array): number;
  ctrl(ctx: Ptr, type: number, arg: number, ptr: Uint8Array): number;
}

let evp: Evp | null | undefined;
const outLen = new Int32Array(1);
/** Where EVP_CipherFinal_ex writes its (always empty) output for a stream cipher. */
const finalScratch = new Uint8Array(TAG_LEN);

function bind(): Evp | null {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const self = koffi.load(null); // the node binary, which exports OpenSSL's symbols
    const ctxNew = self.func('void *EVP_CIPHER_CTX_new()');
    const chacha = self.func('void *EVP_chacha20_poly1305()');
    const e: Evp = {
      ctx: null,
      init: self.func(
        'int EVP_CipherInit_ex(void *ctx, void *cipher, void *engine, const uint8_t *key, const uint8_t *iv, int enc)',
      ),
      update: self.func(
        'int EVP_CipherUpdate(void *ctx, uint8_t *out, int *outl, const uint8_t *inp, int inl)',
      ),
      final: self.func('int EVP_CipherFinal_ex(void *ctx, uint8_t *out, int *outl)'),
      ctrl: self.func('int EVP_CIPHER_CTX_ctrl(void *ctx, int type, int arg, uint8_t *ptr)'),
    };
    const cipher = chacha();
    e.ctx = ctxNew();
    if (cipher === null || e.ctx === null) return null;
    if (e.init(e.ctx, cipher, null, null, null, ENCRYPT) !== 1) return null;
    return knownAnswer(e) ? e : null;
  } catch {
    return null; // no koffi, no such symbols: node:crypto it is
  }
}

/** Seal and open one message with AD, compared with node:crypto's own answer. */
function knownAnswer(e: Evp): boolean {
  evp = e;
  try {
    const key = new Uint8Array(KEY_LEN).fill(0x42);
    const nonce = Uint8Array.from({ length: NONCE_LEN }, (_, i) => i);
    const ad = Uint8Array.of(1, 2, 3);
    const plaintext = Uint8Array.from({ length: 100 }, (_, i) => i * 7);
    const ref = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LEN });
    ref.setAAD(ad, { plaintextLength: plaintext.length });
    const want = Buffer.concat([ref.update(plaintext), ref.final(), ref.getAuthTag()]);
    const aead = new OpenSslAead(key);
    const sealed = aead.seal(nonce, plaintext, ad);
    if (!want.equals(sealed)) return false;
    if (!Buffer.from(aead.open(nonce, sealed, ad)).equals(plaintext)) return false;
    sealed[5] ^= 1;
    try {
      aead.open(nonce, sealed, ad);
      return false; // a forgery went through: never use this path
    } catch (err) {
      return err instanceof AeadError;
    }
  } catch {
    return false;
  } finally {
    evp = undefined;
  }
}

/** An Aead factory on Node's own OpenSSL, or undefined where that path is unavailable (decided once). */
export function openSslAead(): ((key: Uint8Array) => Aead) | undefined {
  if (evp === undefined) evp = bind();
  return evp === null ? undefined : (key) => new OpenSslAead(key);
}

class OpenSslAead implements Aead {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    checkBytes(key, KEY_LEN, 'chacha20-poly1305 key');
    this.#key = key.slice(); // the caller may reuse its array
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
    checkBytes(plaintext, undefined, 'plaintext');
    return this.sealInto(nonce, plaintext, ad, new Uint8Array(plaintext.length + TAG_LEN), 0);
  }

  sealInto(
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array {
    const end = checkSealInput(nonce, plaintext, ad, out, offset);
    const e = evp as Evp;
    const ctx = e.ctx;
    const n = plaintext.length;
    let ok = e.init(ctx, null, null, this.#key, nonce, ENCRYPT);
    if (ad.length > 0) ok &= e.update(ctx, null, outLen, ad, ad.length);
    if (n > 0) ok &= e.update(ctx, out.subarray(offset, offset + n), outLen, plaintext, n);
    ok &= e.final(ctx, finalScratch, outLen);
    ok &= e.ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out.subarray(offset + n, end));
    if (ok !== 1) throw new CryptoInputError('chacha20-poly1305: OpenSSL refused to encrypt');
    return out.subarray(offset, end);
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, ad: Uint8Array): Uint8Array {
    const n = checkOpenInput(nonce, ciphertextAndTag, ad);
    const plaintext = n >= UNINITIALISED_FROM_BYTES ? uninitialised(n) : new Uint8Array(n);
    return this.decrypt(nonce, ciphertextAndTag, ad, plaintext, n);
  }

  openInto(
    nonce: Uint8Array,
    ciphertextAndTag: Uint8Array,
    ad: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): Uint8Array {
    const n = checkOpenInput(nonce, ciphertextAndTag, ad);
    const end = checkOutput(out, offset, n);
    return this.decrypt(nonce, ciphertextAndTag, ad, out.subarray(offset, end), n);
  }

  /** Decrypt the checked input into plaintext (exactly n bytes), or zero it and throw AeadError. */
  private decrypt(
    nonce: Uint8Array,
    ciphertextAndTag: Uint8Array,
    ad: Uint8Array,
    plaintext: Uint8Array,
    n: number,
  ): Uint8Array {
    const e = evp as Evp;
    const ctx = e.ctx;
    let ok = e.init(ctx, null, null, this.#key, nonce, DECRYPT);
    if (ad.length > 0) ok &= e.update(ctx, null, outLen, ad, ad.length);
    if (n > 0) ok &= e.update(ctx, plaintext, outLen, ciphertextAndTag.subarray(0, n), n);
    ok &= e.ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, ciphertextAndTag.subarray(n));
    if (ok !== 1 || e.final(ctx, finalScratch, outLen) !== 1) {
      plaintext.fill(0); // unauthenticated bytes never leave, not even in garbage
      throw new AeadError('chacha20-poly1305: authentication tag does not verify');
    }
    return plaintext;
  }
}

/** n bytes the caller overwrites entirely, as a plain Uint8Array (not a Buffer, whose slice() shares). */
function uninitialised(n: number): Uint8Array {
  const buf = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(buf.buffer, buf.byteOffset, n);
}
