/**
 * The crypto floor of an encrypted transport in this runtime, for bench throughput: each write is
 * sealed as one ChaCha20-Poly1305 record (the same AEAD backend Veil uses) and sent over plain
 * node:net, with no framing header, mux, flow control or handshake. Records have a fixed size (one
 * write plus its tag), so the receiver cuts them without a header. Nonces count up from zero, as
 * Noise's do; the key is a fixed benchmark key (secrecy is not the point, the work is).
 */

import { TAG_LEN } from '../stack/crypto/constants.js';
import { defaultCrypto } from '../stack/crypto/select.js';
import type { Aead } from '../stack/crypto/types.js';

const BENCH_KEY = new Uint8Array(32).fill(0x5a); // not a secret: the benchmark measures cost only
const NONCE_LEN = 12; // bytes: 4 zero bytes, then the little-endian counter (Noise §5.1)
const EMPTY = new Uint8Array(0);

/** A record that does not authenticate: the two sides disagree, the measurement is void. */
export class RecordAuthError extends Error {
  override name = 'RecordAuthError';
}

/** One direction of sealed records: seal() on the sender, open() on the receiver, in order. */
export class RecordCipher {
  private readonly aead: Aead = defaultCrypto().aead(BENCH_KEY);
  private readonly nonce = new Uint8Array(NONCE_LEN);
  private readonly nonceView = new DataView(this.nonce.buffer);
  private counter = 0;

  /** The record for one write: ciphertext and tag in one array, ready for socket.write. */
  seal(plaintext: Uint8Array): Uint8Array {
    const record = new Uint8Array(plaintext.length + TAG_LEN);
    const aead = this.aead;
    if (aead.sealInto) aead.sealInto(this.nextNonce(), plaintext, EMPTY, record, 0);
    else record.set(aead.seal(this.nextNonce(), plaintext, EMPTY));
    return record;
  }

  /** The plaintext of the next record; throws RecordAuthError when it does not authenticate. */
  open(record: Uint8Array): Uint8Array {
    try {
      return this.aead.open(this.nextNonce(), record, EMPTY);
    } catch (err) {
      throw new RecordAuthError(`record ${this.counter - 1} does not authenticate`, { cause: err });
    }
  }

  private nextNonce(): Uint8Array {
    this.nonceView.setUint32(4, this.counter % 2 ** 32, true);
    this.nonceView.setUint32(8, Math.floor(this.counter / 2 ** 32), true);
    this.counter++;
    return this.nonce;
  }
}

/** Record size for writes of writeBytes: the receiver cuts the byte stream at this length. */
export function recordBytes(writeBytes: number): number {
  return writeBytes + TAG_LEN;
}

/**
 * Cuts a byte stream into fixed-size records, assembling those split across chunks (as the
 * Bifrost decoder does for frames), and opens each. Returns the plaintext bytes opened so far.
 */
export class RecordReader {
  private readonly cipher = new RecordCipher();
  private partial: Uint8Array | undefined;
  private fill = 0;
  plaintextBytes = 0;

  constructor(private readonly size: number) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    if (this.partial !== undefined) {
      const n = Math.min(this.size - this.fill, chunk.length);
      this.partial.set(chunk.subarray(0, n), this.fill);
      this.fill += n;
      at = n;
      if (this.fill < this.size) return;
      this.openOne(this.partial);
      this.partial = undefined;
    }
    while (chunk.length - at >= this.size) {
      this.openOne(chunk.subarray(at, at + this.size));
      at += this.size;
    }
    if (at < chunk.length) {
      this.partial = new Uint8Array(this.size);
      this.partial.set(chunk.subarray(at));
      this.fill = chunk.length - at;
    }
  }

  /** The stream ended: a last, shorter record may be pending. */
  end(): void {
    if (this.partial === undefined) return;
    this.openOne(this.partial.subarray(0, this.fill));
    this.partial = undefined;
  }

  private openOne(record: Uint8Array): void {
    this.plaintextBytes += this.cipher.open(record).length;
  }
}
