/**
 * One direction of a Veil transport (conformance/spec/veil.md §5.2): a Noise CipherState that
 * rekeys after every `rekeyAfterMessages` messages. Sender and receiver count the same messages,
 * so they rekey at the same point without any signal on the wire.
 */

import type { CipherState } from './noise/cipher-state.js';

export class TransportCipher {
  /** How many times this direction has rekeyed. */
  rekeys = 0;
  private messagesWithKey = 0;

  constructor(
    private readonly cipher: CipherState,
    readonly rekeyAfterMessages: number,
  ) {}

  /** The next nonce (for diagnostics and tests). */
  get nonce(): bigint {
    return this.cipher.nonce;
  }

  /** One transport message: ciphertext || tag. Throws NonceExhaustedError / NoiseMessageError. */
  encrypt(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encrypt(plaintext);
    this.count();
    return ciphertext;
  }

  /** encrypt() into out at offset (see CipherState.encryptInto); returns the ciphertext view. */
  encryptInto(plaintext: Uint8Array, out: Uint8Array, offset: number): Uint8Array {
    const ciphertext = this.cipher.encryptInto(plaintext, out, offset);
    this.count();
    return ciphertext;
  }

  /** encrypt() as ciphertext and tag (see CipherState.encryptParts); undefined when the backend cannot. */
  encryptParts(plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } | undefined {
    const parts = this.cipher.encryptParts(plaintext);
    if (parts !== undefined) this.count();
    return parts;
  }

  /** The plaintext of the next message. Throws DecryptError (and does not count) when it does not authenticate. */
  decrypt(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decrypt(ciphertext);
    this.count();
    return plaintext;
  }

  /** decrypt() into out (see CipherState.decryptInto). */
  decryptInto(ciphertext: Uint8Array, out: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptInto(ciphertext, out);
    this.count();
    return plaintext;
  }

  private count(): void {
    if (++this.messagesWithKey !== this.rekeyAfterMessages) return;
    this.cipher.rekey();
    this.messagesWithKey = 0;
    this.rekeys++;
  }
}
